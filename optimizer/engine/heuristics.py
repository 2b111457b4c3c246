"""Primal heuristics of the MIP strategy: integer decisions from a relaxed plan.

The integers of the model are the order binaries ``Y`` (MOQ / order cost) and,
optionally, whole workers ``W``. The binaries only touch procurement: given the
production plan, each component's buying is a small single-item lot-sizing
problem (its options, MOQs, order costs, capacities, lead times and its
stock), independent of every other component. :func:`procurement_orders`
solves those problems exactly, one small MIP per component with a binary
option, at the production of a relaxed (or fixed-integer) plan; the strategy
then fixes the binaries and re-solves the whole LP, which re-optimizes
production around them. On the benchmark problems this finds the optimum or
comes within 0.001% of it (S and M, seeds 0-3), where rounding the
relaxation's binaries was 0.06-0.2% off.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .backend import FEASIBLE, OPTIMAL, solve_lp
from .lp import INF, LinearProgram
from .model import Model

SUB_MIP_GAP = 1e-6
SUB_MIP_SECONDS = 1.0  # per component (10-50 ms at S-L; the best plan found is kept: a demo component
# finds its optimum in 0.1 s, then needs 3.5 s and 33,000 nodes to prove it)


def take(idx: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Values of an index block (0 where the variable does not exist)."""
    return np.where(idx >= 0, x[np.maximum(idx, 0)], 0.0)


def _component_mip(model: Model, k: int, use: np.ndarray) -> tuple[LinearProgram, np.ndarray, np.ndarray]:
    """Buying component ``k`` for a fixed use per period [T]: (lp, option indices, Y block)."""
    d = model.d
    n_t = len(d.periods)
    opts = np.flatnonzero(d.so_comp == k)
    periods = np.arange(n_t)
    q_mask = model.v["Q"][opts] >= 0
    binary = model.v["Y"][opts] >= 0
    lp = LinearProgram()
    q = lp.var("Q", (len(opts), n_t), mask=q_mask, ub=np.where(binary, INF, d.so_cap[opts]), obj=-d.so_price[opts])
    y = lp.var("Y", (len(opts), n_t), mask=binary, ub=1.0, obj=-d.so_order_cost[opts][:, None], integer=True)
    ci = lp.var("CI", (n_t,), obj=-d.c_hold[k])
    # A shortage the options cannot cover (never at a relaxed plan's use, which was covered
    # with fractional orders) keeps the sub-problem feasible at a prohibitive price.
    short = lp.var("SHORT", (n_t,), obj=-max(d.penalty, 1e3 * (1.0 + float(np.max(d.so_price[opts], initial=0)))))
    rhs = d.receipts[k] + np.where(periods == 0, d.ci0[k], 0.0) - use
    cb = lp.rows("CB", (n_t,), lb=rhs, ub=rhs)
    lp.coef(cb, ci, 1.0)
    lp.coef(cb[1:], ci[:-1], -1.0)
    lp.coef(cb, short, -1.0)
    arrive = np.minimum(periods[None, :] + d.so_lead[opts][:, None], n_t - 1)
    lp.coef(cb[arrive], q, -1.0)
    big_m = model.big_m[opts] if model.big_m is not None else np.full((len(opts), n_t), INF)
    # With the use known, an order never needs more than what is used from its arrival on (or
    # its MOQ): the tightest M, which makes these small MIPs easy (a demo component took 10 s
    # with the model's M, the total requirement, and 0.1 s with this one).
    remaining = np.cumsum(np.maximum(use, 0.0)[::-1])[::-1]  # use from period t to the end
    big_m = np.minimum(big_m, np.maximum(d.so_moq[opts][:, None], remaining[arrive]))
    yub = lp.rows("YUB", (len(opts), n_t), mask=binary, ub=0.0)
    lp.coef(yub, q, 1.0)
    lp.coef(yub, y, -big_m)
    ylb = lp.rows("YLB", (len(opts), n_t), mask=binary & (d.so_moq[opts] > 0)[:, None], lb=0.0)
    lp.coef(ylb, q, 1.0)
    lp.coef(ylb, y, -d.so_moq[opts][:, None])
    return lp, opts, y


def procurement_orders(
    model: Model,
    x: np.ndarray,
    *,
    time_limit: float | None = None,
    threads: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Order binaries [S,T] that buy, at least cost, what the plan ``x`` uses.

    ``x`` is a solution vector of ``model`` (relaxed or not); its production
    fixes each component's use, and every component with a binary option gets
    the cheapest buying plan for that use (prices, order costs, MOQs,
    capacities, lead times, holding). Components whose small MIP fails keep
    an order wherever ``x`` orders.
    """
    d = model.d
    y_idx = model.v["Y"]
    y_x = take(y_idx, x)
    y_out = np.where(y_idx >= 0, (y_x > 1e-6).astype(float), 0.0)
    use = d.bom.T @ np.maximum(take(model.v["P"], x), 0.0)  # [K,T]
    comps = np.unique(d.so_comp[(y_idx >= 0).any(axis=1)])
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    for k in comps:
        left = SUB_MIP_SECONDS
        if deadline is not None:
            left = min(left, deadline - time.perf_counter())
            if left <= 0.01:
                break
        if should_stop is not None and should_stop():
            break
        lp, opts, y = _component_mip(model, int(k), use[k])
        res = solve_lp(lp, "mip", gap=SUB_MIP_GAP, time_limit=left, threads=threads)
        if res.status in (OPTIMAL, FEASIBLE) and res.x is not None:
            y_out[opts] = np.where(y >= 0, np.round(take(y, res.x)), y_out[opts])
    return y_out
