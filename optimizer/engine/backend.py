"""Solve a :class:`~optimizer.engine.lp.LinearProgram` with OR-Tools MathOpt.

The model proto is built straight from the arrays and handed to MathOpt's
low-level ``solve`` (no per-variable Python objects). Supported methods:

* ``simplex``  HiGHS dual simplex (small LPs; basic solution, exact duals)
* ``ipm``      HiGHS interior point + crossover (large LPs; ends on a basis)
* ``glop``     GLOP primal/dual simplex
* ``pdlp``     PDLP first-order (not exact; only for experiments)
* ``mip``      HiGHS branch and cut (``scip`` / ``cpsat`` for the others)

A watcher thread calls ``should_stop()`` twice a second and triggers MathOpt's
interrupter when it returns True; the result is then reported as
``interrupted``. GLOP, SCIP and CP-SAT stop early on it; HiGHS through
MathOpt (OR-Tools 9.15) does not poll it, so a HiGHS solve ends first and the
cancel takes effect right after it. (Measured: an interrupt 3 s into the M MIP
returned after 38 s, 5 s into the L LP after 33 s; MathOpt's MIP callbacks are
never called for HiGHS; an exception raised from the log callback aborts the
process.) A solve that must stop at once runs in a child process that the
caller kills: ``optimizer/engine/runner.py``.

``on_log(lines)`` gets the solver's new log lines (HiGHS) about four times a
second from the watcher thread, and the rest once the solve returns: the MIP
strategy reads branch-and-cut progress from them. The native log callback
itself is ``list.extend`` (no Python frame runs inside the solver: a Python
exception there, a Ctrl-C included, would abort the process).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .lp import LinearProgram

OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, NO_SOLUTION, INTERRUPTED, ERROR = (
    "optimal",
    "feasible",
    "infeasible",
    "unbounded",
    "no_solution",
    "interrupted",
    "error",
)


@dataclass
class SolverResult:
    status: str
    x: np.ndarray | None = None
    duals: np.ndarray | None = None
    reduced_costs: np.ndarray | None = None
    primal_bound: float = float("nan")
    dual_bound: float = float("nan")
    seconds: float = 0.0
    solver: str = ""
    version: str = ""
    detail: str = ""
    log: list[str] = field(default_factory=list)
    native_seconds: float = 0.0  # the solver's own clock (the rest is proto build and MathOpt overhead)
    build_seconds: float = 0.0  # time to build the ModelProto from the arrays


_SOLVER_NAMES = {
    "simplex": "HiGHS",
    "ipm": "HiGHS",
    "mip": "HiGHS",
    "glop": "GLOP",
    "pdlp": "PDLP",
    "scip": "SCIP",
    "cpsat": "CP-SAT",
}


def ortools_version() -> str:
    from importlib.metadata import version

    try:
        return version("ortools")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "unknown"


def _params(
    method: str,
    time_limit: float | None,
    gap: float,
    threads: int | None,
    highs_options: dict[str, Any] | None = None,
) -> Any:
    from ortools.math_opt import parameters_pb2

    p = parameters_pb2.SolveParametersProto()
    if time_limit is not None:
        secs = max(float(time_limit), 0.01)
        p.time_limit.seconds = int(secs)
        p.time_limit.nanos = int((secs - int(secs)) * 1e9)
    if threads:
        p.threads = int(threads)
    if method in ("simplex", "ipm", "mip"):
        h = p.highs
        if method == "simplex":
            h.string_options["solver"] = "simplex"
            h.int_options["simplex_strategy"] = 1  # dual simplex
        elif method == "ipm":
            h.string_options["solver"] = "ipm"
            h.string_options["run_crossover"] = "on"
        else:
            p.relative_gap_tolerance = gap
            h.double_options["mip_rel_gap"] = gap
        for key, value in (highs_options or {}).items():
            if isinstance(value, bool):
                h.bool_options[key] = value
            elif isinstance(value, int):
                h.int_options[key] = value
            elif isinstance(value, float):
                h.double_options[key] = value
            else:
                h.string_options[key] = str(value)
    elif method == "glop":
        p.lp_algorithm = parameters_pb2.LP_ALGORITHM_DUAL_SIMPLEX
    elif method == "pdlp":
        p.pdlp.termination_criteria.simple_optimality_criteria.eps_optimal_relative = 1e-8
        p.pdlp.termination_criteria.simple_optimality_criteria.eps_optimal_absolute = 1e-8
    elif method in ("scip", "cpsat"):
        p.relative_gap_tolerance = gap
    return p


def _solver_type(method: str) -> int:
    from ortools.math_opt import parameters_pb2 as pp

    return {
        "simplex": pp.SOLVER_TYPE_HIGHS,
        "ipm": pp.SOLVER_TYPE_HIGHS,
        "mip": pp.SOLVER_TYPE_HIGHS,
        "glop": pp.SOLVER_TYPE_GLOP,
        "pdlp": pp.SOLVER_TYPE_PDLP,
        "scip": pp.SOLVER_TYPE_GSCIP,
        "cpsat": pp.SOLVER_TYPE_CP_SAT,
    }[method]


def _to_dense(vec: Any, n: int) -> np.ndarray:
    out = np.zeros(n)
    ids = np.fromiter(vec.ids, dtype=np.int64, count=len(vec.ids))
    if len(ids):
        out[ids] = np.fromiter(vec.values, dtype=float, count=len(vec.values))
    return out


def solve_lp(
    lp: LinearProgram,
    method: str,
    *,
    lb: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    relax: bool = False,
    time_limit: float | None = None,
    gap: float = 1e-4,
    threads: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    hint: np.ndarray | None = None,
    highs_options: dict[str, Any] | None = None,
    on_log: Callable[[list[str]], None] | None = None,
) -> SolverResult:
    """Solve ``lp`` (bounds optionally overridden, integrality optionally relaxed)."""
    from ortools.math_opt import callback_pb2, model_parameters_pb2, parameters_pb2, result_pb2
    from ortools.math_opt.core.python import solver as core
    from ortools.util.python import pybind_solve_interrupter

    t_build = time.perf_counter()
    proto = lp.to_proto(lb=lb, ub=ub, relax=relax)
    t_build = time.perf_counter() - t_build
    params = _params(method, time_limit, gap, threads, highs_options)
    model_params = model_parameters_pb2.ModelSolveParametersProto()
    if hint is not None:
        h = model_params.solution_hints.add()
        h.variable_values.ids.extend(np.arange(lp.n, dtype=np.int64))
        h.variable_values.values.extend(hint)
    interrupter = pybind_solve_interrupter.PySolveInterrupter()
    done = threading.Event()
    log: list[str] = []
    seen = [0]

    def feed() -> None:
        if on_log is None:
            return
        upto = len(log)
        if upto > seen[0]:
            lines, seen[0] = log[seen[0] : upto], upto
            try:
                on_log(lines)
            except Exception:  # a failing observer must not kill the solve
                pass

    if should_stop is not None or on_log is not None:

        def watch() -> None:
            while not done.wait(0.25):
                feed()
                try:
                    if should_stop is not None and not interrupter.interrupted and should_stop():
                        interrupter.interrupt()
                except Exception:  # a failing callback must not kill the solve
                    pass

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    else:
        watcher = None
    start = time.perf_counter()
    try:
        res = core.solve(
            proto,
            _solver_type(method),
            parameters_pb2.SolverInitializerProto(),
            params,
            model_params,
            log.extend if method in ("simplex", "ipm", "mip") else None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            interrupter,
        )
    except Exception as exc:  # StatusNotOk and friends: a real solver failure
        return SolverResult(
            ERROR,
            seconds=time.perf_counter() - start,
            solver=_SOLVER_NAMES[method],
            version=ortools_version(),
            detail=str(exc),
        )
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
        feed()
    seconds = time.perf_counter() - start
    reason = res.termination.reason
    tr = result_pb2
    if reason == tr.TERMINATION_REASON_OPTIMAL:
        status = OPTIMAL
    elif reason in (tr.TERMINATION_REASON_INFEASIBLE, tr.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED):
        status = INFEASIBLE
    elif reason == tr.TERMINATION_REASON_UNBOUNDED:
        status = UNBOUNDED
    elif reason == tr.TERMINATION_REASON_FEASIBLE:
        status = FEASIBLE
    elif reason == tr.TERMINATION_REASON_NO_SOLUTION_FOUND:
        status = NO_SOLUTION
    else:
        status = ERROR
    if interrupter.interrupted:
        # should_stop() said stop. (HiGHS through MathOpt 9.15 does not poll the
        # interrupter, so this is usually seen when the solve returns.)
        status = INTERRUPTED
    out = SolverResult(
        status,
        seconds=seconds + t_build,
        solver=_SOLVER_NAMES[method],
        version=_version(method, log),
        detail=res.termination.detail,
        log=log,
        build_seconds=t_build,
    )
    st = res.solve_stats.solve_time
    out.native_seconds = st.seconds + st.nanos / 1e9
    bounds = res.termination.objective_bounds
    out.primal_bound, out.dual_bound = bounds.primal_bound, bounds.dual_bound
    if res.solutions and res.solutions[0].HasField("primal_solution"):
        sol = res.solutions[0]
        out.x = _to_dense(sol.primal_solution.variable_values, lp.n)
        if sol.HasField("dual_solution"):
            out.duals = _to_dense(sol.dual_solution.dual_values, lp.m)
            out.reduced_costs = _to_dense(sol.dual_solution.reduced_costs, lp.n)
    elif status in (OPTIMAL, FEASIBLE):
        out.status = NO_SOLUTION
    return out


def _version(method: str, log: list[str]) -> str:
    version = f"OR-Tools {ortools_version()}"
    for line in log[:5]:
        if "HiGHS" in line and "version" in line.lower() or line.startswith("Running HiGHS"):
            parts = [p for p in line.replace("(", " ").split() if p[:1].isdigit()]
            if parts:
                return f"{version}, HiGHS {parts[0]}"
    return version
