"""The engine's entry point: problem document in, plan document out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .baseline import Baseline, sequential_baseline
from .explain import explain
from .finance import COST_KEYS, Decisions, Evaluation, evaluate
from .model import Model, build
from .normalize import Data, normalize
from .plan import assemble, error_plan
from .schema import validate
from .strategy import Outcome, SolveCancelled, finite, optimize

Progress = Callable[[str, float], None]

LEVERS = {
    "channel_allocation": "revenue and lost sales on fixed-price demand, backlog",
    "price": "revenue and lost sales on price-option demand",
    "procurement": "component purchases, order costs, component holding",
    "capacity_and_build_ahead": "material, subcontract, labour, overtime, hiring, layoffs, "
    "finished-goods holding, safety-stock shortfall",
    "constraint_violations": "penalties for relaxed hard constraints",
}


def decisions_from(model: Model, x: np.ndarray) -> Decisions:
    """Decision arrays of a solution vector (absent variables are 0)."""

    def take(name: str) -> np.ndarray:
        idx = model.v[name]
        return np.where(idx >= 0, x[np.maximum(idx, 0)], 0.0)

    sk = np.maximum(take("SK"), 0.0)
    return Decisions(
        P=take("P"),
        SC=take("SC"),
        S=take("S") + take("O_SHIP"),
        X=take("X"),
        LAM=price_weights(model.d, take("LAM"), sk, model.v["LAM"] >= 0),
        SK=sk,
        OT=take("OT"),
        W=take("W"),
        H=take("H"),
        L=take("L"),
        Q=take("Q"),
    ).snapped()


def price_weights(d: Data, lam: np.ndarray, sk: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Weights of the price options; where the model eliminated them (``~kept``):
    ``SK / q`` per option and the rest on the option with the smallest quantity."""
    if not len(lam) or kept.all():
        return lam
    out = np.where(kept, lam, np.where(d.po_qty > 0, sk / np.where(d.po_qty > 0, d.po_qty, 1.0), 0.0))
    out = np.minimum(out, 1.0)
    rest = 1.0 - np.bincount(d.po_line, weights=out, minlength=len(d.pl_f))
    order = np.lexsort((d.po_qty, d.po_line))
    first = order[np.r_[0, np.flatnonzero(np.diff(d.po_line[order])) + 1]]  # smallest option of each line
    free_first = first[~kept[first]]
    out[free_first] += np.maximum(rest[d.po_line[free_first]], 0.0)
    return out


def lever_split(single: Evaluation, base: Evaluation) -> tuple[dict[str, float], dict[str, float]]:
    """Profit difference (single - baseline) by term and by lever; each sums to the total exactly."""
    by_term = {"revenue": single.revenue - base.revenue}
    by_term.update({k: -(single.costs[k] - base.costs[k]) for k in COST_KEYS})
    d_rev_po = single.revenue_price_options - base.revenue_price_options
    d_lost_po = single.lost_sales_price_options - base.lost_sales_price_options
    d_chold = single.component_holding - base.component_holding
    by_lever = {
        "channel_allocation": (by_term["revenue"] - d_rev_po)
        + by_term["backlog"]
        + (by_term["lost_sales"] + d_lost_po),
        "price": d_rev_po - d_lost_po,
        "procurement": by_term["procurement"] - d_chold,
        "capacity_and_build_ahead": sum(
            by_term[k]
            for k in (
                "material",
                "subcontract",
                "regular_labor",
                "overtime",
                "hiring",
                "layoffs",
                "safety_stock_shortfall",
            )
        )
        + (by_term["holding"] + d_chold),
        "constraint_violations": by_term["penalties"],
    }
    return by_term, by_lever


def _status(outcome_status: str, ev: Evaluation) -> str:
    return "infeasible_relaxed" if ev.violations else outcome_status


def _solver_info(out: Outcome, seconds: float) -> dict[str, Any]:
    return {
        "name": out.solver or "HiGHS",
        "version": out.version,
        "seconds": round(seconds, 3),
        "gap": out.gap,
        "algorithm": out.algorithm,
        "bound": finite(out.bound),
        "phases": out.phases,
    }


def _model_size(model: Model) -> dict[str, int]:
    a = model.lp.arrays()
    return {
        "variables": model.lp.n,
        "rows": model.lp.m,
        "nonzeros": int(len(a["vals"])),
        "integers": int(a["integer"].sum()),
    }


def _shadow(model: Model, duals: np.ndarray | None) -> np.ndarray | None:
    if duals is None:
        return None
    cap = model.r["CAP"]
    sp = np.where(cap >= 0, duals[np.maximum(cap, 0)], 0.0)
    return np.where(np.abs(sp) < 1e-9, 0.0, sp)


def _baseline_plan(d: Data, base: Baseline, seconds: float) -> dict[str, Any]:
    ev = base.evaluation
    status = _status("feasible", ev)
    info = {
        "name": "sequential baseline",
        "version": base.supply.version,
        "seconds": round(seconds, 3),
        "gap": None,
        "algorithm": f"supply step: {base.supply.algorithm}; MRP; fair-share allocation",
    }
    notes = [
        f"sequential baseline (supply, then procurement, then allocation, then finance): "
        f"profit {ev.profit:,.2f} {d.currency}"
    ]
    notes += [f"relaxed {v['constraint']} by {v['amount']:,.2f}" for v in ev.violations[:10]]
    return assemble(d, base.decisions, ev, status=status, solver=info, shadow=None, explanations=notes)


def solve(
    problem: dict[str, Any],
    *,
    time_limit: float | None = None,
    gap: float = 1e-4,
    baseline: bool = False,
    method: str = "auto",
    threads: int | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Solve a `sop-problem/1` document and return the `sop-plan/1` document.

    ``time_limit`` (seconds) bounds the whole call; ``gap`` is the relative MIP
    gap; ``baseline=True`` adds the sequential baseline plan and the comparison.
    ``progress(phase, fraction)`` is called between phases and, during long
    native solves, from a watcher thread (branch and cut: gap closed, tree
    explored, time used; LPs: time used against the limit); the fraction never
    decreases. ``should_stop()`` is polled between phases (and during native
    solves, but HiGHS cannot be interrupted mid-solve: the stop takes effect
    when the running LP/MIP returns). To stop at once, run the solve in a
    child process: :func:`optimizer.engine.runner.solve_in_subprocess`.
    Raises :class:`~optimizer.engine.schema.ProblemError` for an invalid
    document and :class:`~optimizer.engine.strategy.SolveCancelled` when
    stopped. A solver failure returns a plan with status ``error``.
    """
    start = time.perf_counter()
    report = progress or (lambda phase, frac: None)
    timings: dict[str, float] = {}

    def check() -> None:
        if should_stop is not None and should_stop():
            raise SolveCancelled()

    def left() -> float | None:
        return None if time_limit is None else max(0.01, time_limit - (time.perf_counter() - start))

    def lap(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[name] = round(timings.get(name, 0.0) + now - t0, 4)
        return now

    t0 = time.perf_counter()
    report("validate", 0.0)
    warnings = validate(problem)
    t0 = lap("validate", t0)
    d = normalize(problem, warnings)
    t0 = lap("normalize", t0)
    check()
    report("build", 0.05)
    model = build(d)
    model.lp.arrays()
    t0 = lap("build", t0)
    check()

    base: Baseline | None = None
    base_seconds = 0.0
    incumbents = []
    if baseline and model.has_integers:
        report("baseline", 0.08)
        base = sequential_baseline(d, time_limit=left(), gap=gap, threads=threads, should_stop=should_stop)
        base_seconds = time.perf_counter() - t0
        t0 = lap("baseline", t0)
        if base is not None:
            incumbents.append(
                ("sequential baseline", base.decisions.Q > 0, base.decisions.W, base.evaluation.profit)
            )
        check()

    report("solve", 0.1)

    def solve_progress(phase: str, frac: float) -> None:
        report(phase, 0.1 + 0.75 * frac)

    outcome = optimize(
        model,
        time_limit=left(),
        gap=gap,
        method=method,
        threads=threads,
        should_stop=should_stop,
        progress=solve_progress,
        incumbents=[(n, y.astype(float), w, v) for n, y, w, v in incumbents],
    )
    t0 = lap("solve", t0)
    if outcome.x is None:
        plan = error_plan(
            d.name, outcome.message or "the solver failed", _solver_info(outcome, timings["solve"])
        )
        plan["solver"]["model"] = _model_size(model)
        plan["timings"] = timings
        return plan
    check()

    report("evaluate", 0.85)
    x = decisions_from(model, outcome.x)
    ev = evaluate(d, x)
    shadow = _shadow(model, outcome.duals)
    t0 = lap("evaluate", t0)

    if baseline and base is None and not model.has_integers:
        report("baseline", 0.88)
        base = sequential_baseline(d, time_limit=left(), gap=gap, threads=threads, should_stop=should_stop)
        base_seconds = time.perf_counter() - t0
        t0 = lap("baseline", t0)

    extras: dict[str, Any] = {}
    comp = None
    if baseline:
        if base is None:
            extras["comparison"] = {"error": "the sequential baseline's supply step could not be solved"}
        else:
            by_term, by_lever = lever_split(ev, base.evaluation)
            comp = {
                "single_pass_profit": ev.profit,
                "baseline_profit": base.evaluation.profit,
                "value": ev.profit - base.evaluation.profit,
                "by_term": by_term,
                "by_lever": by_lever,
                "levers": LEVERS,
            }
            extras["comparison"] = comp
            extras["baseline"] = _baseline_plan(d, base, base_seconds)

    report("explain", 0.95)
    status = _status(outcome.status, ev)
    notes = explain(
        d,
        x,
        ev,
        shadow=shadow,
        status=status,
        gap=outcome.gap,
        relaxation_bound=outcome.relaxation_bound,
        profit=ev.profit,
        comp=comp,
        base_violations=None if base is None else base.evaluation.violations,
    )
    solver = _solver_info(outcome, timings["solve"])
    solver["model_objective"] = finite(outcome.objective)
    solver["model"] = _model_size(model)
    plan = assemble(d, x, ev, status=status, solver=solver, shadow=shadow, explanations=notes, extras=extras)
    lap("assemble", t0)
    plan["timings"] = timings
    report("done", 1.0)
    return plan
