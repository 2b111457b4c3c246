"""Which algorithm runs, and the MIP strategy (relax, round, re-solve, search).

LP (no binaries, no integer workforce): HiGHS dual simplex below
``SIMPLEX_MAX_VARS`` variables, HiGHS interior point with crossover above
(both end on a basis: proven optimal, exact duals). If the first choice fails
the other one is tried with the time left.

MIP: (1) solve the LP relaxation: its optimum bounds the profit; (2) plan the
order binaries per component for the relaxation's production (a small exact
lot-sizing MIP each, ``heuristics.procurement_orders``), round whole workers,
fix the integers and re-solve the LP: a feasible plan, usually within 0.02% of
the bound or at the optimum; caller-supplied incumbents (the sequential
baseline's) are tried only when they might beat it, the older roundings of the
relaxation only when nothing else worked (or, above ``MIP_SEARCH_MAX_VARS``,
when the plan is still more than ``LARGE_MIP_GAP`` off); (3) if the gap is
above the requested one, HiGHS branch and cut from that plan: first a
*proving* stage with HiGHS's primal heuristics off and the root LP by
interior point (what is missing is the bound: root cuts close it), then, up to
``MIP_SEARCH_MAX_VARS``, a full search with the time left; (4) the winner's
integers are fixed and its LP re-solved, which gives clean values and the
shadow prices. The reported gap is ``(bound - profit) / max(1, |profit|)``
with the best bound known (LP relaxation or branch and cut).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backend import ERROR, FEASIBLE, INTERRUPTED, OPTIMAL, SolverResult, solve_lp
from .heuristics import procurement_orders
from .model import Model

SIMPLEX_MAX_VARS = 20_000
# Without a time limit, branch and cut ends by this many seconds into the MIP solve (the
# CLI's L MIP run then stays under 5 minutes, start-up and plan writing included).
DEFAULT_MIP_SECONDS = 290.0
MIP_SEARCH_MAX_VARS = 150_000  # full branch-and-cut search (primal heuristics on) up to this size
MIP_PROVE_MAX_VARS = 400_000  # proving stage from an incumbent up to this size (L: 215k, 124 s)
NEAR_GAP_FACTOR = 10.0  # an incumbent within 10x the requested gap only misses a proof
LARGE_MIP_GAP = 0.01


class SolveCancelled(Exception):
    """``should_stop()`` asked to stop."""


@dataclass
class Outcome:
    status: str  # optimal | feasible | error
    x: np.ndarray | None = None
    duals: np.ndarray | None = None
    objective: float = float("nan")
    bound: float = float("nan")
    gap: float | None = None
    relaxation_bound: float | None = None
    solver: str = ""
    algorithm: str = ""
    version: str = ""
    message: str = ""
    phases: list[dict] = field(default_factory=list)


def finite(v: float) -> float | None:
    """JSON-safe number: None for NaN and infinities."""
    return float(v) if v is not None and np.isfinite(v) else None


def rel_gap(bound: float, value: float) -> float:
    return max(0.0, (bound - value) / max(1.0, abs(value)))


def choose_lp_method(n_vars: int, method: str = "auto") -> str:
    if method != "auto":
        return method
    return "simplex" if n_vars < SIMPLEX_MAX_VARS else "ipm"


_ALGO = {
    "simplex": "dual simplex",
    "ipm": "interior point + crossover",
    "glop": "dual simplex",
    "pdlp": "PDHG (first order)",
    "mip": "branch and cut",
}


class _Clock:
    def __init__(self, limit: float | None):
        self.start = time.perf_counter()
        self.limit = limit

    def left(self) -> float | None:
        if self.limit is None:
            return None
        return max(0.0, self.limit - (time.perf_counter() - self.start))

    def out(self) -> bool:
        left = self.left()
        return left is not None and left <= 0.05


def _lp(
    model: Model,
    method: str,
    clock: _Clock,
    phases: list[dict],
    name: str,
    *,
    should_stop: Callable[[], bool] | None,
    threads: int | None,
    lb: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    on_log: Callable[[list[str]], None] | None = None,
) -> SolverResult:
    """Solve an LP (relaxation or integers fixed); fall back to the other HiGHS method on failure."""
    order = [method] + [m for m in ("ipm", "simplex") if m != method and method in ("ipm", "simplex")]
    res = SolverResult(ERROR)
    for m in order:
        if clock.out():
            break
        if should_stop is not None and should_stop():
            raise SolveCancelled()
        res = solve_lp(
            model.lp,
            m,
            lb=lb,
            ub=ub,
            relax=True,
            time_limit=clock.left(),
            threads=threads,
            should_stop=should_stop,
            on_log=on_log,
        )
        phases.append(
            {
                "phase": name,
                "algorithm": f"{res.solver} {_ALGO.get(m, m)}",
                "status": res.status,
                "seconds": round(res.seconds, 3),
                "native_seconds": round(res.native_seconds, 3),
                "proto_seconds": round(res.build_seconds, 3),
                "objective": finite(res.primal_bound),
            }
        )
        if res.status == INTERRUPTED:
            raise SolveCancelled()
        if res.status == OPTIMAL:
            res.detail = m
            break
    return res


def _fixed_bounds(
    model: Model, lb: np.ndarray, ub: np.ndarray, y: np.ndarray | None, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    lb, ub = lb.copy(), ub.copy()
    if y is not None:
        idx = model.v["Y"]
        sel = idx >= 0
        lb[idx[sel]] = ub[idx[sel]] = y[sel]
    if w is not None:
        idx = model.v["W"]
        sel = (idx >= 0) & model.lp.arrays()["integer"][np.maximum(idx, 0)]
        lb[idx[sel]] = ub[idx[sel]] = w[sel]
    return lb, ub


def _take(idx: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.where(idx >= 0, x[np.maximum(idx, 0)], 0.0)


def rounding_candidates(model: Model, x: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, y, w) integer assignments derived from a relaxed solution."""
    y_lp = _take(model.v["Y"], x)
    q_lp = _take(model.v["Q"], x)
    w_lp = _take(model.v["W"], x)
    w = np.round(w_lp + 1e-9)
    cands = []
    # Consolidate: accumulate the relaxed order quantities and place one order
    # at the start of each window worth half an MOQ.
    moq = model.d.so_moq
    y_cons = np.zeros_like(y_lp)
    for s in np.flatnonzero((model.v["Y"] >= 0).any(axis=1)):
        acc, start = 0.0, -1
        for t in range(y_lp.shape[1]):
            if model.v["Y"][s, t] < 0:
                continue
            if q_lp[s, t] > 1e-6 and start < 0:
                start = t
            acc += q_lp[s, t]
            if start >= 0 and acc >= 0.5 * max(moq[s], 1e-9):
                y_cons[s, start] = 1.0
                acc, start = 0.0, -1
        if start >= 0 and acc > 1e-6:
            y_cons[s, start] = 1.0
    # Measured best first (S, M, L benchmarks): consolidation, then covering
    # every fractional order, then plain rounding.
    cands.append(("consolidate orders to MOQ lots", y_cons, w))
    cands.append(("cover every fractional order", (y_lp > 1e-6).astype(float), w))
    cands.append(("round order decisions at 0.5", (y_lp >= 0.5).astype(float), w))
    seen, out = set(), []
    for name, y, ww in cands:
        key = y.tobytes() + ww.tobytes()
        if key not in seen:
            seen.add(key)
            out.append((name, y, ww))
    return out


class _Progress:
    """Monotone progress in [0, 1] over sub-ranges of the solve, with a log reader for
    branch and cut (gap closed, tree explored) and a time floor against the limit."""

    def __init__(self, report: Callable[[str, float], None] | None, clock: _Clock):
        self.report = report or (lambda phase, frac: None)
        self.clock = clock
        self.value = 0.0
        self.phase = ""
        self.lock = threading.Lock()

    def __call__(self, phase: str, frac: float) -> None:
        with self.lock:
            frac = min(1.0, max(self.value, float(frac)))
            if frac == self.value and phase == self.phase:
                return
            self.value, self.phase = frac, phase
        self.report(phase, frac)

    def timed(self, phase: str, lo: float, hi: float) -> Callable[[list[str]], None]:
        """An ``on_log`` for an LP: moves from ``lo`` towards ``hi`` with the time used
        against the time left (nothing moves without a time limit)."""
        self(phase, lo)
        t0, budget = time.perf_counter(), self.clock.left()

        def on_log(lines: list[str]) -> None:
            if budget:
                self(phase, lo + (hi - lo) * min(1.0, (time.perf_counter() - t0) / budget))

        return on_log

    def branch_and_cut(
        self, lo: float, hi: float, budget: float | None, gap0: float, target: float
    ) -> Callable[[list[str]], None]:
        """An ``on_log`` reading HiGHS's branch-and-cut table: the largest of the time used
        against the budget, the share of the tree explored and the gap closed (on a log
        scale from the gap at the start to the requested one)."""
        self("branch and cut", lo)
        t0 = time.perf_counter()

        def on_log(lines: list[str]) -> None:
            frac = min(1.0, (time.perf_counter() - t0) / budget) if budget else 0.0
            for line in lines:
                row = parse_mip_log_line(line)
                if row is None:
                    continue
                explored, bound, incumbent = row
                frac = max(frac, 0.9 * explored)
                g = rel_gap(bound, incumbent) if np.isfinite(bound) and np.isfinite(incumbent) else None
                if g is not None and gap0 > target > 0:
                    closed = np.log(gap0 / max(g, target)) / np.log(gap0 / target)
                    frac = max(frac, float(np.clip(closed, 0.0, 1.0)))
            self("branch and cut", lo + (hi - lo) * frac)

        return on_log


_MIP_ROW = re.compile(r"^\s*[A-Za-z]?\s+\d+\s+\d+\s+\d+\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+\S+")


def parse_mip_log_line(line: str) -> tuple[float, float, float] | None:
    """(share of the tree explored, best bound, best solution) of a HiGHS branch-and-cut
    log row, or None for any other line. Infinite or missing values are +-inf."""
    m = _MIP_ROW.match(line)
    if m is None:
        return None

    def num(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return float("nan")

    explored = num(m.group(1)) / 100.0
    if not np.isfinite(explored):
        return None
    return explored, num(m.group(2)), num(m.group(3))


# Branch and cut started from a good incumbent: what is missing is the bound, and
# HiGHS's primal heuristics (RINS/RENS sub-MIPs, feasibility jump) only cost time
# (S: 6 s with them, 0.4 s without; M: 4.7 s -> 2.2-3.6 s with the root LP by IPM).
PROVE_OPTIONS: dict[str, Any] = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}
PROVE_SHARE = 0.3  # of the search time, for the proving stage; the rest for a full search
HIGHS_GAP_MARGIN = 0.99  # HiGHS's gap and ours differ in the last digit: ask for a bit less


def optimize(
    model: Model,
    *,
    time_limit: float | None = None,
    gap: float = 1e-4,
    method: str = "auto",
    threads: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[str, float], None] | None = None,
    incumbents: Sequence[tuple] = (),
) -> Outcome:
    """Solve the model; see the module docstring for the strategy.

    ``incumbents`` are ``(name, y, w)`` or ``(name, y, w, value)`` integer
    assignments to try (e.g. the sequential baseline's); with a known
    ``value`` (a profit the assignment reaches) one is only tried when the
    strategy's own best plan is below it.
    """
    clock = _Clock(time_limit)
    phases: list[dict] = []
    lp_method = choose_lp_method(model.lp.n, method)
    report = _Progress(progress, clock)
    kw = {"should_stop": should_stop, "threads": threads}

    if not model.has_integers:
        res = _lp(model, lp_method, clock, phases, "lp", on_log=report.timed("lp", 0.0, 0.95), **kw)
        if res.status != OPTIMAL:
            return Outcome(ERROR, message=_failure("LP", res, clock), phases=phases, solver=res.solver)
        return Outcome(
            OPTIMAL,
            x=res.x,
            duals=res.duals,
            objective=res.primal_bound,
            bound=res.primal_bound,
            gap=0.0,
            solver=res.solver,
            algorithm=_ALGO[res.detail],
            version=res.version,
            phases=phases,
        )

    a = model.lp.arrays()
    relax = _lp(
        model, lp_method, clock, phases, "relaxation", on_log=report.timed("relaxation", 0.0, 0.35), **kw
    )
    if relax.status != OPTIMAL:
        return Outcome(
            ERROR, message=_failure("LP relaxation", relax, clock), phases=phases, solver=relax.solver
        )
    bound, bound_from = relax.primal_bound, "LP relaxation"
    report("heuristic", 0.35)
    large = model.lp.n > MIP_SEARCH_MAX_VARS
    may_search = not large

    best: SolverResult | None = None
    best_name = ""

    def good_enough() -> bool:
        if best is None:
            return False
        g = rel_gap(bound, best.primal_bound)
        return g <= gap or (large and g <= LARGE_MIP_GAP)

    def try_candidate(name: str, y: np.ndarray, w: np.ndarray) -> None:
        nonlocal best, best_name
        lb, ub = _fixed_bounds(model, a["lb"], a["ub"], y, w)
        res = _lp(model, lp_method, clock, phases, f"fixed integers: {name}", lb=lb, ub=ub, **kw)
        if res.status == OPTIMAL and (best is None or res.primal_bound > best.primal_bound):
            best, best_name = res, name

    w_round = np.round(_take(model.v["W"], relax.x) + 1e-9)
    t0 = time.perf_counter()
    if (model.v["Y"] >= 0).any():
        y_buy = procurement_orders(model, relax.x, time_limit=clock.left(), **kw)
        phases.append(
            {
                "phase": "heuristic: order binaries by a lot-sizing MIP per component at the relaxation's production",
                "algorithm": "HiGHS branch and cut (small MIPs)",
                "status": "done",
                "seconds": round(time.perf_counter() - t0, 3),
            }
        )
        name = "orders planned per component for the relaxation's production"
    else:
        y_buy = _take(model.v["Y"], relax.x)
        name = "workers rounded to whole numbers"
    _check(should_stop)
    try_candidate(name, y_buy, w_round)
    report("heuristic", 0.45)
    for inc in incumbents:
        if clock.out():
            break
        iname, y, w = inc[:3]
        value = inc[3] if len(inc) > 3 else None
        if best is not None and value is not None and best.primal_bound >= value - 1e-9 * max(1.0, abs(value)):
            continue  # already at least as good as this incumbent
        try_candidate(iname, y, w)
    if best is None or (not good_enough() and not may_search):
        for name, y, w in rounding_candidates(model, relax.x):
            if good_enough() or (best is not None and clock.out()):
                break
            try_candidate(name, y, w)
    report("heuristic", 0.55)

    if clock.limit is not None:
        search_left = clock.left() or 0.0
    else:  # no time limit: the whole MIP solve stays within DEFAULT_MIP_SECONDS when it can
        search_left = max(0.0, DEFAULT_MIP_SECONDS - (time.perf_counter() - clock.start))
    stages: list[tuple[str, float, dict[str, Any]]] = []
    if best is not None and model.lp.n <= MIP_PROVE_MAX_VARS:
        # An incumbent close to the bound only misses a proof: the proving stage gets all the
        # time; a distant one gets PROVE_SHARE, the rest goes to a full search.
        near = rel_gap(bound, best.primal_bound) <= NEAR_GAP_FACTOR * gap
        stages.append(("prove", 1.0 if near or not may_search else PROVE_SHARE, PROVE_OPTIONS))
    if may_search:
        stages.append(("search", 1.0, {}))
    if (best is None or rel_gap(bound, best.primal_bound) > gap) and stages and search_left > 1.0:
        search_start = time.perf_counter()
        gap0 = LARGE_MIP_GAP if best is None else max(rel_gap(bound, best.primal_bound), gap)
        for stage, share, options in stages:
            left = search_left - (time.perf_counter() - search_start)
            if left <= 1.0 or (best is not None and rel_gap(bound, best.primal_bound) <= gap):
                break
            options = dict(options)
            if model.lp.n >= SIMPLEX_MAX_VARS:
                options["mip_lp_solver"] = "ipm"  # the root LP only (nodes keep dual simplex)
            budget = left * share
            lo = 0.55 if stage == stages[0][0] else 0.55 + 0.4 * PROVE_SHARE
            mip = solve_lp(
                model.lp,
                "mip",
                time_limit=budget,
                gap=gap * HIGHS_GAP_MARGIN,
                hint=None if best is None else best.x,
                highs_options=options,
                on_log=report.branch_and_cut(lo, 0.95, budget, gap0, gap),
                **kw,
            )
            phases.append(
                {
                    "phase": f"branch and cut ({stage})",
                    "algorithm": "HiGHS branch and cut"
                    + (" from the incumbent, primal heuristics off" if stage == "prove" else ""),
                    "status": mip.status,
                    "seconds": round(mip.seconds, 3),
                    "native_seconds": round(mip.native_seconds, 3),
                    "proto_seconds": round(mip.build_seconds, 3),
                    "objective": finite(mip.primal_bound),
                    "bound": finite(mip.dual_bound),
                }
            )
            if mip.status == INTERRUPTED:
                raise SolveCancelled()
            if np.isfinite(mip.dual_bound):
                if mip.dual_bound < bound:
                    bound, bound_from = mip.dual_bound, "branch and cut"
            if mip.x is not None and (
                best is None or mip.primal_bound > best.primal_bound + 1e-9 * max(1, abs(bound))
            ):
                y = _take(model.v["Y"], mip.x).round()
                w = _take(model.v["W"], mip.x).round()
                lb, ub = _fixed_bounds(model, a["lb"], a["ub"], y, w)
                res = _lp(
                    model,
                    lp_method,
                    clock if not clock.out() else _Clock(None),
                    phases,
                    "fixed integers: branch and cut incumbent",
                    lb=lb,
                    ub=ub,
                    **kw,
                )
                if res.status == OPTIMAL and (best is None or res.primal_bound > best.primal_bound):
                    best, best_name = res, "branch and cut"
    report("fixed integers", 0.97)
    if best is None:
        return Outcome(
            ERROR,
            message="no integer-feasible plan was found in the time available",
            phases=phases,
            relaxation_bound=relax.primal_bound,
        )
    bound = max(bound, best.primal_bound)
    g = rel_gap(bound, best.primal_bound)
    return Outcome(
        OPTIMAL if g <= gap else FEASIBLE,
        x=best.x,
        duals=best.duals,
        objective=best.primal_bound,
        bound=bound,
        gap=g,
        relaxation_bound=relax.primal_bound,
        solver="HiGHS",
        algorithm=f"LP relaxation + {best_name} + {_ALGO[best.detail]}; bound: {bound_from}",
        version=best.version,
        phases=phases,
    )


def _check(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise SolveCancelled()


def _failure(what: str, res: SolverResult, clock: _Clock) -> str:
    if clock.out():
        return f"time limit reached before the {what} was solved to optimality"
    return f"the {what} solve failed: {res.status} {res.detail}".strip()
