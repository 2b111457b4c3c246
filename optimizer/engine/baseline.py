"""The sequential baseline: the same problem planned the way siloed functions do.

1. **Supply** plans production for total family demand at list price, blind to
   channels and components: the single-pass model on a reduced problem with
   one channel per family (demand = sum over channels; a price-option line
   counts with the option whose price is nearest the list price), list price,
   lost sales allowed at no penalty, backlog allowed (at the lowest channel
   backlog cost) if any channel takes backlog, no components, no fill-rate or
   ending-backlog contracts. Capacity, workforce, overtime, subcontract,
   max production, safety stock, minimum ending inventory and the working
   capital limit (finished goods only) are respected.
2. **Procurement** runs lot-for-lot MRP on that production: for each
   component and period, the net requirement (gross use minus projected stock,
   scheduled receipts and planned arrivals) is bought from the option with the
   lowest unit price at its order period among those that arrive in time
   (ties: shorter lead time), within option capacity, rounded up to the MOQ.
   Production is then cut where components still run short: in each period
   every family using a short component is scaled by the share of its need
   that the component stock covers (the smallest share over its components).
   Overtime is reduced to the hours the cut plan still needs beyond regular
   capacity; workforce and subcontract stay as planned.
3. **Allocation**: each period, the goods on hand beyond the inventory supply
   planned to carry are shipped, up to the open demand, to channels in
   proportion to their open demand (this period's demand plus their
   backlog). Backlog channels carry what is not shipped; other channels lose it.
4. **Finance** prices the result with :func:`optimizer.engine.finance.evaluate`,
   the same function that prices the single-pass plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .finance import Decisions, Evaluation, evaluate
from .model import build
from .normalize import Data
from .strategy import Outcome, optimize

TOL = 1e-9


@dataclass
class Baseline:
    decisions: Decisions
    evaluation: Evaluation
    supply: Outcome  # the step-1 solve


def chosen_options(d: Data) -> np.ndarray:
    """Per price-option line, the option sales assumes: price nearest the list price."""
    out = np.zeros(len(d.pl_f), dtype=np.int64)
    for line in range(len(d.pl_f)):
        opts = np.flatnonzero(d.po_line == line)
        target = d.list_price[d.pl_f[line], d.pl_t[line]]
        out[line] = opts[int(np.argmin(np.abs(d.po_price[opts] - target)))]
    return out


def supply_problem(d: Data) -> Data:
    """Step 1's view of the problem: one channel per family, no components."""
    n_f, n_t, _, _, _ = d.shape
    chosen = chosen_options(d)
    total = d.demand.sum(axis=1)
    if len(chosen):
        np.add.at(total, (d.pl_f, d.pl_t), d.po_qty[chosen])
    any_bl = bool(d.has_backlog.any())
    bl_cost = float(d.backlog_cost[d.has_backlog].min()) if any_bl else 0.0
    empty_i = np.zeros(0, dtype=np.int64)
    return replace(
        d,
        channels=["total"],
        init_backlog=d.init_backlog.sum(axis=1, keepdims=True),
        has_backlog=np.array([any_bl]),
        backlog_cost=np.array([bl_cost]),
        lost_allowed=np.array([True]),
        lost_cost=np.zeros(1),
        max_end_backlog=np.array([np.inf]),
        min_fill=np.zeros(1),
        demand=total[:, None, :],
        price=d.list_price[:, None, :].copy(),
        pl_f=empty_i,
        pl_c=empty_i,
        pl_t=empty_i,
        po_line=empty_i,
        po_price=np.zeros(0),
        po_qty=np.zeros(0),
        components=[],
        ci0=np.zeros(0),
        c_hold=np.zeros(0),
        receipts=np.zeros((0, n_t)),
        comp_value=np.zeros(0),
        bom=np.zeros((n_f, 0)),
        so_comp=empty_i,
        so_codes=[],
        so_price=np.zeros((0, n_t)),
        so_lead=empty_i,
        so_cap=np.zeros((0, n_t)),
        so_moq=np.zeros(0),
        so_order_cost=np.zeros(0),
    )


def mrp(d: Data, production: np.ndarray) -> np.ndarray:
    """Lot-for-lot orders Q [S,T] covering the component use of ``production``."""
    n_t = d.T
    gross = d.bom.T @ production
    orders = np.zeros((len(d.so_codes), n_t))
    for k in range(len(d.components)):
        opts = np.flatnonzero(d.so_comp == k)
        stock = d.ci0[k]
        arrivals = np.zeros(n_t)
        for t in range(n_t):
            avail = stock + d.receipts[k, t] + arrivals[t]
            net = gross[k, t] - avail
            if net > TOL:
                timely = [s for s in opts if t - d.so_lead[s] >= 0]
                timely.sort(key=lambda s: (d.so_price[s, t - d.so_lead[s]], d.so_lead[s]))
                for s in timely:
                    p = t - d.so_lead[s]
                    room = d.so_cap[s, p] - orders[s, p]
                    if room <= TOL:
                        continue
                    qty = min(net, room)
                    if qty < d.so_moq[s]:
                        if room < d.so_moq[s]:
                            continue
                        qty = d.so_moq[s]
                    orders[s, p] += qty
                    arrivals[t] += qty
                    avail += qty
                    net -= qty
                    if net <= TOL:
                        break
            stock = max(0.0, avail - gross[k, t])
    return orders


def cut_production(d: Data, production: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Scale production down where component stock cannot cover it."""
    n_t = d.T
    arrivals = np.zeros((len(d.components), n_t))
    for s, k in enumerate(d.so_comp):
        lead = d.so_lead[s]
        arrivals[k, lead:] += orders[s, : n_t - lead] if lead < n_t else 0.0
    prod = production.copy()
    stock = d.ci0.copy()
    uses = d.bom > 0
    for t in range(n_t):
        avail = stock + d.receipts[:, t] + arrivals[:, t]
        need = d.bom.T @ prod[:, t]
        ratio = np.where(need > TOL, np.minimum(1.0, avail / np.where(need > TOL, need, 1.0)), 1.0)
        factor = np.where(uses, ratio[None, :], 1.0).min(axis=1, initial=1.0)
        prod[:, t] *= factor
        stock = np.maximum(0.0, avail - d.bom.T @ prod[:, t])
    return prod


def allocate(
    d: Data, prod: np.ndarray, sc: np.ndarray, reserve: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fair-share allocation. Returns (S [F,C,T], LAM [O], SK [O])."""
    n_f, n_t, _, n_c, _ = d.shape
    chosen = chosen_options(d)
    lam = np.zeros(len(d.po_line))
    lam[chosen] = 1.0
    opt_q = np.zeros((n_f, n_c, n_t))
    if len(chosen):
        np.add.at(opt_q, (d.pl_f, d.pl_c, d.pl_t), d.po_qty[chosen])
    ship = np.zeros((n_f, n_c, n_t))
    opt_share = np.zeros((n_f, n_c, n_t))
    inv = d.init_inv.copy()
    backlog = d.init_backlog.copy()
    bl = d.has_backlog[None, :]
    for t in range(n_t):
        first = d.init_backlog if t == 0 else 0.0
        fixed_open = d.demand[:, :, t] + np.where(bl, backlog if t > 0 else 0.0, 0.0) + first
        open_c = fixed_open + opt_q[:, :, t]
        total_open = open_c.sum(axis=1)
        avail = inv + prod[:, t] + sc[:, t]
        to_ship = np.clip(avail - reserve[:, t], 0.0, total_open)
        share = np.where(
            total_open[:, None] > TOL, open_c / np.where(total_open > TOL, total_open, 1.0)[:, None], 0.0
        )
        s_all = to_ship[:, None] * share
        frac_opt = np.where(open_c > TOL, opt_q[:, :, t] / np.where(open_c > TOL, open_c, 1.0), 0.0)
        opt_share[:, :, t] = s_all * frac_opt
        ship[:, :, t] = np.minimum(s_all - opt_share[:, :, t], fixed_open)
        inv = avail - ship[:, :, t].sum(axis=1) - opt_share[:, :, t].sum(axis=1)
        backlog = np.where(bl, fixed_open - ship[:, :, t], 0.0)
    sk = np.zeros(len(d.po_line))
    if len(chosen):
        key_q = opt_q[d.pl_f, d.pl_c, d.pl_t]
        line_share = np.where(key_q > TOL, d.po_qty[chosen] / np.where(key_q > TOL, key_q, 1.0), 0.0)
        sk[chosen] = np.minimum(opt_share[d.pl_f, d.pl_c, d.pl_t] * line_share, d.po_qty[chosen])
    return ship, lam, sk


def sequential_baseline(
    d: Data,
    *,
    time_limit: float | None = None,
    gap: float = 1e-4,
    threads: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Baseline | None:
    """Plan ``d`` sequentially; None if the supply step could not be solved."""
    d1 = supply_problem(d)
    m1 = build(d1)
    out = optimize(m1, time_limit=time_limit, gap=gap, threads=threads, should_stop=should_stop)
    if out.x is None:
        return None

    def take(name: str) -> np.ndarray:
        idx = m1.v[name]
        return np.maximum(np.where(idx >= 0, out.x[np.maximum(idx, 0)], 0.0), 0.0)

    p1, sc1, ot1, w1, h1, l1, i1 = (take(n) for n in ("P", "SC", "OT", "W", "H", "L", "I"))
    orders = mrp(d, p1)
    prod = cut_production(d, p1, orders)
    hours = d.routing.T @ prod
    regular = np.where(d.has_wf[:, None], d.hpw[:, None] * w1, d.cap)
    ot = np.minimum(ot1, np.maximum(0.0, hours - regular))
    ship, lam, sk = allocate(d, prod, sc1, i1)
    x = Decisions(
        P=prod, SC=sc1, S=ship, X=np.zeros_like(ship), LAM=lam, SK=sk, OT=ot, W=w1, H=h1, L=l1, Q=orders
    )
    x = x.snapped()
    return Baseline(decisions=x, evaluation=evaluate(d, x), supply=out)
