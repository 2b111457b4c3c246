"""Price a set of decisions with the contract's cost terms ("finance evaluates").

Given the decisions (production, subcontract, shipments, lost on backlog
channels, price-option weights and shipments, overtime, workforce, orders),
:func:`evaluate` recomputes every state (inventory, backlog, component
inventory), every derived quantity (lost sales, shortfalls, on-time
shipments), the violations of the elastic hard constraints and the 12 cost
terms. The single-pass plan and the sequential baseline are both reported
through this one function, so they are priced by identical formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .normalize import Data

COST_KEYS = (
    "material",
    "subcontract",
    "regular_labor",
    "overtime",
    "hiring",
    "layoffs",
    "holding",
    "backlog",
    "lost_sales",
    "procurement",
    "safety_stock_shortfall",
    "penalties",
)


@dataclass
class Decisions:
    """Decision arrays in :class:`Data` indexing (see ``model.py`` for shapes)."""

    P: np.ndarray
    SC: np.ndarray
    S: np.ndarray
    X: np.ndarray
    LAM: np.ndarray
    SK: np.ndarray
    OT: np.ndarray
    W: np.ndarray
    H: np.ndarray
    L: np.ndarray
    Q: np.ndarray

    def snapped(self, tol: float = 1e-9) -> Decisions:
        """A copy with solver noise (|v| < tol, tiny negatives) set to 0."""

        def snap(a: np.ndarray) -> np.ndarray:
            a = np.where(np.abs(a) < tol, 0.0, a)
            return np.maximum(a, 0.0)

        return Decisions(**{k: snap(getattr(self, k)) for k in self.__dataclass_fields__})


@dataclass
class Evaluation:
    """States, derived quantities, violations and money of a plan."""

    I: np.ndarray  # noqa: E741
    B: np.ndarray
    lost: np.ndarray
    demand: np.ndarray  # realised demand per key incl. price options [F,C,T]
    shipments: np.ndarray  # incl. price-option shipments [F,C,T]
    on_time: np.ndarray  # [C]
    hours: np.ndarray
    regular: np.ndarray
    CI: np.ndarray
    orders_placed: np.ndarray  # Y (bool) [S,T]
    ss_short: np.ndarray
    violations: list[dict] = field(default_factory=list)
    revenue: float = 0.0
    costs: dict[str, float] = field(default_factory=dict)
    # Split used by the value-by-lever comparison.
    revenue_price_options: float = 0.0
    lost_sales_price_options: float = 0.0
    component_holding: float = 0.0

    @property
    def total_cost(self) -> float:
        return float(sum(self.costs[k] for k in COST_KEYS))

    @property
    def profit(self) -> float:
        return self.revenue - self.total_cost


def _pos(x: np.ndarray, scale: np.ndarray | float = 1.0) -> np.ndarray:
    """max(0, x) with float noise (below 1e-9 of the scale) set to 0."""
    tol = 1e-9 * np.maximum(1.0, np.abs(scale))
    return np.where(x > tol, x, 0.0)


def evaluate(d: Data, x: Decisions) -> Evaluation:
    n_f, n_t, n_r, n_c, n_k = d.shape
    per = d.periods
    bl = d.has_backlog[None, :, None]

    # Price options aggregated to their keys.
    opt_dem = np.zeros((n_f, n_c, n_t))
    opt_ship = np.zeros((n_f, n_c, n_t))
    if len(d.po_line):
        f, c, t = d.pl_f[d.po_line], d.pl_c[d.po_line], d.pl_t[d.po_line]
        np.add.at(opt_dem, (f, c, t), x.LAM * d.po_qty)
        np.add.at(opt_ship, (f, c, t), x.SK)
    shipments = x.S + opt_ship
    demand = d.demand + opt_dem

    inv = d.init_inv[:, None] + np.cumsum(x.P + x.SC - shipments.sum(axis=1), axis=1)
    first = np.zeros_like(d.demand)
    first[:, :, 0] = d.init_backlog
    # Backlog channels: B[t] = B[t-1] + D + B0 - S - X.  Others: lost = D + B0 - S.
    backlog = np.where(bl, np.cumsum(d.demand + first - x.S - x.X, axis=2), 0.0)
    lost = np.where(bl, x.X, d.demand + first - x.S) + (opt_dem - opt_ship)

    hours = d.routing.T @ x.P  # [R,T]
    regular = np.where(d.has_wf[:, None], d.hpw[:, None] * x.W, d.cap)

    arrivals = np.zeros((n_k, n_t))
    if len(d.so_codes):
        s_idx, t_idx = np.nonzero(x.Q)
        arrive = t_idx + d.so_lead[s_idx]
        ok = arrive < n_t
        np.add.at(arrivals, (d.so_comp[s_idx[ok]], arrive[ok]), x.Q[s_idx[ok], t_idx[ok]])
    use = d.bom.T @ x.P  # [K,T]
    ci = d.ci0[:, None] + np.cumsum(arrivals + d.receipts - use, axis=1)
    placed = (x.Q > 0) & d.so_binary[:, None]

    ss_short = _pos(d.ss - inv, d.ss)
    # On time per key (contract): min(demand, shipments), price options included.
    on_time = np.minimum(demand, shipments).sum(axis=(0, 2))

    viol: list[dict] = []

    def add(
        name: str, amounts: np.ndarray, labels: list[tuple[str, list[str]]], period: list | None
    ) -> float:
        idx = np.argwhere(amounts > 0)
        for pos in idx:
            entry: dict = {"constraint": name}
            for (key, codes), i in zip(labels, pos[: len(labels)], strict=False):
                entry[key] = codes[i]
            entry["period"] = None if period is None else period[pos[-1]]
            entry["amount"] = float(amounts[tuple(pos)])
            viol.append(entry)
        return float(amounts.sum())

    fam, chn, res = ("family", d.families), ("channel", d.channels), ("resource", d.resources)
    total_v = 0.0
    end_short = _pos(d.min_end_inv - inv[:, -1], d.min_end_inv)
    total_v += add("min_ending_inventory", end_short[:, None], [fam], [per[-1]])
    end_bl = _pos(
        backlog[:, :, -1] - d.max_end_backlog[None, :],
        np.where(np.isfinite(d.max_end_backlog), d.max_end_backlog, 0)[None, :],
    )
    end_bl = np.where(d.has_backlog[None, :], end_bl, 0.0)
    total_v += add("max_ending_backlog", end_bl[:, :, None], [fam, chn], [per[-1]])
    required = d.min_fill * demand.sum(axis=(0, 2))
    fill_short = _pos(required - on_time, required)
    total_v += add("min_fill_rate", fill_short, [chn], None)
    hard_ss = np.where(d.ss_soft[:, None], 0.0, ss_short)
    total_v += add("safety_stock", hard_ss, [fam], per)
    wc_value = d.unit_value @ inv + d.comp_value @ ci
    wc_over = _pos(wc_value - d.wc_limit, np.where(np.isfinite(d.wc_limit), d.wc_limit, 0.0))
    total_v += add("working_capital_limit", wc_over, [], per)
    wf = d.has_wf[:, None]
    wmin = np.where(wf, _pos(d.wf_min - x.W, d.wf_min), 0.0)
    total_v += add("workforce_min", wmin, [res], per)
    wmax = np.where(
        wf & np.isfinite(d.wf_max), _pos(x.W - d.wf_max, np.where(np.isfinite(d.wf_max), d.wf_max, 0)), 0.0
    )
    total_v += add("workforce_max", wmax, [res], per)

    lost_opt = opt_dem - opt_ship
    comp_hold = float(np.sum(d.c_hold[:, None] * ci))
    costs = {
        "material": float(np.sum(d.material[:, None] * x.P)),
        "subcontract": float(np.sum(d.sc_cost[:, None] * x.SC)),
        "regular_labor": float(np.sum(d.rcph[:, None] * (hours - x.OT)) + np.sum(d.cpw[:, None] * x.W)),
        "overtime": float(np.sum(d.ot_cost[:, None] * x.OT)),
        "hiring": float(np.sum(d.hire_cost[:, None] * x.H)),
        "layoffs": float(np.sum(d.layoff_cost[:, None] * x.L)),
        "holding": float(np.sum(d.holding[:, None] * inv)) + comp_hold,
        "backlog": float(np.sum(d.backlog_cost[None, :, None] * backlog)),
        "lost_sales": float(np.sum(d.lost_cost[None, :, None] * lost)),
        "procurement": float(np.sum(d.so_price * x.Q) + np.sum(d.so_order_cost[:, None] * placed)),
        "safety_stock_shortfall": float(np.sum(np.where(d.ss_soft, d.ss_cost, 0.0)[:, None] * ss_short)),
        "penalties": d.penalty * total_v,
    }
    revenue_po = float(d.po_price @ x.SK) if len(d.po_line) else 0.0
    return Evaluation(
        I=inv,
        B=backlog,
        lost=lost,
        demand=demand,
        shipments=shipments,
        on_time=on_time,
        hours=hours,
        regular=regular,
        CI=ci,
        orders_placed=placed,
        ss_short=ss_short,
        violations=viol,
        revenue=float(np.sum(d.price * x.S)) + revenue_po,
        costs=costs,
        revenue_price_options=revenue_po,
        lost_sales_price_options=float(np.sum(d.lost_cost[None, :, None] * lost_opt)),
        component_holding=comp_hold,
    )
