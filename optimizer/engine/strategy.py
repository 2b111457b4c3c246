"""Which algorithm runs, and the MIP strategy (relax, round, re-solve, search).

LP (no binaries, no integer workforce): HiGHS dual simplex below
``SIMPLEX_MAX_VARS`` variables, HiGHS interior point with crossover above
(both end on a basis: proven optimal, exact duals). If the first choice fails
the other one is tried with the time left.

MIP: (1) solve the LP relaxation: its optimum bounds the profit; (2) build
integer candidates by rounding the relaxation (order binaries by three rules,
workers to the nearest integer) plus any caller-supplied incumbents (e.g. the
sequential baseline), fix the integers and re-solve the LP: each is a feasible
plan; (3) if the best is not within the requested gap and time allows, run
HiGHS branch and cut from it; (4) the winner's integers are fixed and its LP
re-solved, which gives clean values and the shadow prices. The reported gap is
``(bound - profit) / max(1, |profit|)`` with the best bound known.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .backend import ERROR, FEASIBLE, INTERRUPTED, OPTIMAL, SolverResult, solve_lp
from .model import Model

SIMPLEX_MAX_VARS = 20_000
DEFAULT_MIP_SECONDS = 300.0
MIP_SEARCH_MAX_VARS = 150_000
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


def optimize(
    model: Model,
    *,
    time_limit: float | None = None,
    gap: float = 1e-4,
    method: str = "auto",
    threads: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[str, float], None] | None = None,
    incumbents: Sequence[tuple[str, np.ndarray, np.ndarray]] = (),
) -> Outcome:
    """Solve the model; see the module docstring for the strategy."""
    clock = _Clock(time_limit)
    phases: list[dict] = []
    lp_method = choose_lp_method(model.lp.n, method)
    report = progress or (lambda phase, frac: None)
    kw = {"should_stop": should_stop, "threads": threads}

    if not model.has_integers:
        res = _lp(model, lp_method, clock, phases, "lp", **kw)
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
    relax = _lp(model, lp_method, clock, phases, "relaxation", **kw)
    if relax.status != OPTIMAL:
        return Outcome(
            ERROR, message=_failure("LP relaxation", relax, clock), phases=phases, solver=relax.solver
        )
    bound = relax.primal_bound
    report("heuristic", 0.0)
    best: SolverResult | None = None
    best_name = ""
    cands = list(incumbents) + rounding_candidates(model, relax.x)
    large = model.lp.n > MIP_SEARCH_MAX_VARS
    for i, (name, y, w) in enumerate(cands):
        if best is not None and (clock.out() or rel_gap(bound, best.primal_bound) <= gap):
            break
        # Too large for branch and cut: each more candidate costs a full LP, and
        # the first (best measured) rounding is usually already within 1%.
        if best is not None and large and rel_gap(bound, best.primal_bound) <= LARGE_MIP_GAP:
            break
        lb, ub = _fixed_bounds(model, a["lb"], a["ub"], y, w)
        res = _lp(model, lp_method, clock, phases, f"fixed integers: {name}", lb=lb, ub=ub, **kw)
        report("heuristic", (i + 1) / len(cands))
        if res.status == OPTIMAL and (best is None or res.primal_bound > best.primal_bound):
            best, best_name = res, name
    search_left = clock.left() if clock.limit is not None else DEFAULT_MIP_SECONDS
    if (
        (best is None or rel_gap(bound, best.primal_bound) > gap)
        and search_left
        and search_left > 1.0
        and model.lp.n <= MIP_SEARCH_MAX_VARS
    ):
        report("branch and cut", 0.0)
        mip = solve_lp(
            model.lp, "mip", time_limit=search_left, gap=gap, hint=None if best is None else best.x, **kw
        )
        phases.append(
            {
                "phase": "branch and cut",
                "algorithm": "HiGHS branch and cut",
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
            bound = min(bound, mip.dual_bound)
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
        algorithm=f"LP relaxation + rounding ({best_name}) + {_ALGO[best.detail]}",
        version=best.version,
        phases=phases,
    )


def _failure(what: str, res: SolverResult, clock: _Clock) -> str:
    if clock.out():
        return f"time limit reached before the {what} was solved to optimality"
    return f"the {what} solve failed: {res.status} {res.detail}".strip()
