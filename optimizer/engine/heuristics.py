"""Primal heuristics of the MIP strategy: integer decisions from a relaxed plan.

The integers of the model are the order binaries ``Y`` (MOQ / order cost) and,
optionally, whole workers ``W``. The binaries only touch procurement: given the
production plan, each component's buying is a small single-item lot-sizing
problem (its options, MOQs, order costs, capacities, lead times and its
stock), independent of every other component. :func:`procurement_orders`
solves those problems exactly, one small MIP per component with a binary
option, at the production of a relaxed (or fixed-integer) plan; the strategy
then fixes the binaries and re-solves the whole LP, which re-optimizes
production around them. On the benchmark problems (S and M, seeds 0-3)
branch and cut never found a better plan, and at M it is the optimum (HiGHS
run to a 1e-7 gap agrees), where rounding the relaxation's binaries was
0.06-0.2% off.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .backend import FEASIBLE, OPTIMAL, solve_lp
from .lp import INF, LinearProgram
from .model import Model

SUB_MIP_GAP = 1e-6
SUB_MIP_SECONDS = 1.0  # per component; the best plan found is kept
# The compact form first for at most 0.2 s: every benchmark component (S-L) is proven at its
# root in 10-150 ms; the demo's harder ones (300-33,000 nodes) go on in the strong form.
COMPACT_SECONDS = 0.2


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
    short = lp.var("SHORT", (n_t,), obj=-_shortage_price(d, opts))
    rhs = d.receipts[k] + np.where(periods == 0, d.ci0[k], 0.0) - use
    cb = lp.rows("CB", (n_t,), lb=rhs, ub=rhs)
    lp.coef(cb, ci, 1.0)
    lp.coef(cb[1:], ci[:-1], -1.0)
    lp.coef(cb, short, -1.0)
    arrive = np.minimum(periods[None, :] + d.so_lead[opts][:, None], n_t - 1)
    lp.coef(cb[arrive], q, -1.0)
    _order_rows(model, lp, opts, q, y, binary, use, arrive)
    return lp, opts, y


def _shortage_price(d, opts: np.ndarray) -> float:
    return max(d.penalty, 1e3 * (1.0 + float(np.max(d.so_price[opts], initial=0))))


def _order_rows(
    model: Model,
    lp: LinearProgram,
    opts: np.ndarray,
    q: np.ndarray,
    y: np.ndarray,
    binary: np.ndarray,
    use: np.ndarray,
    arrive: np.ndarray,
) -> None:
    """``Q <= M y`` and ``Q >= moq y``. With the use known, an order never needs more than
    what is used from its arrival on (or its MOQ): that M is much tighter than the model's (a
    demo component: 10 s with the model's M, the total requirement, 3.5 s with this one)."""
    d = model.d
    n_t = len(d.periods)
    big_m = model.big_m[opts] if model.big_m is not None else np.full((len(opts), n_t), INF)
    remaining = np.cumsum(np.maximum(use, 0.0)[::-1])[::-1]  # use from period t to the end
    big_m = np.minimum(big_m, np.maximum(d.so_moq[opts][:, None], remaining[arrive]))
    yub = lp.rows("YUB", (len(opts), n_t), mask=binary, ub=0.0)
    lp.coef(yub, q, 1.0)
    lp.coef(yub, y, -big_m)
    ylb = lp.rows("YLB", (len(opts), n_t), mask=binary & (d.so_moq[opts] > 0)[:, None], lb=0.0)
    lp.coef(ylb, q, 1.0)
    lp.coef(ylb, y, -d.so_moq[opts][:, None])


def _component_mip_strong(model: Model, k: int, use: np.ndarray) -> tuple[LinearProgram, np.ndarray, np.ndarray]:
    """The same problem as :func:`_component_mip` in the facility-location form: each order's
    units are split by the period they are used in, ``Z[o, t, tau] <= use[tau] * y[o, t]``.
    Its LP relaxation is much tighter (a demo component: 3.5 s in the compact form, 0.02 s
    here) but it has ~T times the variables (M: 0.39 s against 0.21 s over all components),
    so it is the second try."""
    d = model.d
    n_t = len(d.periods)
    opts = np.flatnonzero(d.so_comp == k)
    periods = np.arange(n_t)
    q_mask = model.v["Q"][opts] >= 0
    binary = model.v["Y"][opts] >= 0
    arrive = periods[None, :] + d.so_lead[opts][:, None]  # [O,T] (no order where > T-1)
    use = np.maximum(use, 0.0)
    hold = d.c_hold[k]
    lp = LinearProgram()
    q = lp.var("Q", (len(opts), n_t), mask=q_mask, ub=np.where(binary, INF, d.so_cap[opts]), obj=-d.so_price[opts])
    y = lp.var("Y", (len(opts), n_t), mask=binary, ub=1.0, obj=-d.so_order_cost[opts][:, None], integer=True)
    used_at = periods[None, None, :]
    z_mask = q_mask[:, :, None] & (used_at >= arrive[:, :, None]) & (use[None, None, :] > 0)
    z = lp.var("Z", (len(opts), n_t, n_t), mask=z_mask, obj=-hold * (used_at - arrive[:, :, None]))
    spare = lp.var("E", (len(opts), n_t), mask=q_mask, obj=-hold * (n_t - arrive))  # held to the end
    # Stock on hand and scheduled receipts are held until used, or to the end when unused: the
    # objective counts a unit used in tau as saving the periods after it (same value as the
    # compact form, whose inventory is held every period it is there).
    initial = lp.var("Z0", (n_t,), mask=use > 0, obj=hold * (n_t - periods))  # stock used in tau
    r_mask = (d.receipts[k][:, None] > 0) & (periods[None, :] >= periods[:, None]) & (use[None, :] > 0)
    receipt = lp.var("ZR", (n_t, n_t), mask=r_mask, obj=hold * (n_t - periods[None, :]))
    lp.offset = -hold * (n_t * d.ci0[k] + float(np.sum((n_t - periods) * d.receipts[k])))
    short = lp.var("SHORT", (n_t,), obj=-_shortage_price(d, opts))
    need = lp.rows("USE", (n_t,), lb=use, ub=use)
    lp.coef(need[None, None, :], z, 1.0)
    lp.coef(need, initial, 1.0)
    lp.coef(need[None, :], receipt, 1.0)
    lp.coef(need, short, 1.0)
    stock = lp.rows("STOCK", (1,), ub=d.ci0[k])
    lp.coef(stock[np.zeros(n_t, dtype=np.int64)], initial, 1.0)
    rec = lp.rows("RECEIPTS", (n_t,), mask=d.receipts[k] > 0, ub=d.receipts[k])
    lp.coef(rec[:, None], receipt, 1.0)
    split = lp.rows("SPLIT", (len(opts), n_t), mask=q_mask, lb=0.0, ub=0.0)
    lp.coef(split, q, 1.0)
    lp.coef(split[:, :, None], z, -1.0)
    lp.coef(split, spare, -1.0)
    _order_rows(model, lp, opts, q, y, binary, use, np.minimum(arrive, n_t - 1))
    strong = lp.rows("ZY", (len(opts), n_t, n_t), mask=z_mask & binary[:, :, None], ub=0.0)
    lp.coef(strong, z, 1.0)
    lp.coef(strong, y[:, :, None], -use[None, None, :])
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
        best_value = -np.inf
        for form, cap in ((_component_mip, COMPACT_SECONDS), (_component_mip_strong, left)):
            lp, opts, y = form(model, int(k), use[k])
            res = solve_lp(lp, "mip", gap=SUB_MIP_GAP, time_limit=min(cap, left), threads=threads)
            if res.status in (OPTIMAL, FEASIBLE) and res.x is not None and res.primal_bound > best_value:
                best_value = res.primal_bound
                y_out[opts] = np.where(y >= 0, np.round(take(y, res.x)), y_out[opts])
            if res.status == OPTIMAL:
                break  # proven: no need for the strong form
    return y_out
