"""Problem document -> :class:`Data`: defaults applied, per-period values expanded.

Everything downstream (model, baseline, evaluator) works on these arrays, with
families indexed ``f``, channels ``c``, periods ``t``, resources ``r``,
components ``k``, supply options ``s`` (flattened over components) and price
option lines ``l`` / options ``o`` (flattened over lines). "No limit" is
``inf``; "not available" is a boolean mask next to the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checks import DEFAULT_CHANNEL

INF = np.inf
DEFAULT_PENALTY = 1e7


@dataclass
class Data:
    """A validated problem as arrays. Shapes are given in the comments."""

    name: str
    currency: str
    periods: list[str]
    families: list[str]
    channels: list[str]
    resources: list[str]
    components: list[str]
    # families: [F] or [F,T]
    list_price: np.ndarray  # [F,T]
    material: np.ndarray
    holding: np.ndarray
    unit_value: np.ndarray
    init_inv: np.ndarray
    init_backlog: np.ndarray  # [F,C]
    min_end_inv: np.ndarray
    max_prod: np.ndarray  # [F,T]
    has_sc: np.ndarray  # bool [F]
    sc_cost: np.ndarray
    sc_cap: np.ndarray  # [F,T]
    ss: np.ndarray  # [F,T]
    ss_soft: np.ndarray  # bool [F]: shortfall has a cost (else hard floor)
    ss_cost: np.ndarray  # [F] (0 where hard)
    # channels: [C]
    has_backlog: np.ndarray
    backlog_cost: np.ndarray
    lost_allowed: np.ndarray
    lost_cost: np.ndarray
    max_end_backlog: np.ndarray
    min_fill: np.ndarray
    # fixed demand [F,C,T] and its price
    demand: np.ndarray
    price: np.ndarray
    # price-option lines [L] and options [O]
    pl_f: np.ndarray
    pl_c: np.ndarray
    pl_t: np.ndarray
    po_line: np.ndarray
    po_price: np.ndarray
    po_qty: np.ndarray
    # resources: [R] or [R,T]; routing [F,R] hours per unit
    routing: np.ndarray
    cap: np.ndarray  # [R,T] (0 for workforce resources)
    rcph: np.ndarray
    has_wf: np.ndarray
    wf_init: np.ndarray
    hpw: np.ndarray
    cpw: np.ndarray
    hire_cost: np.ndarray
    layoff_cost: np.ndarray
    wf_min: np.ndarray  # [R,T]
    wf_max: np.ndarray  # [R,T]
    wf_int: np.ndarray
    has_ot: np.ndarray
    ot_cost: np.ndarray
    ot_max: np.ndarray  # [R,T] absolute cap (inf: none)
    ot_per_worker: np.ndarray  # [R] cap per worker (inf: none)
    # components: [K] or [K,T]; bom [F,K]
    ci0: np.ndarray
    c_hold: np.ndarray
    receipts: np.ndarray
    comp_value: np.ndarray
    bom: np.ndarray
    # supply options: [S] or [S,T]
    so_comp: np.ndarray
    so_codes: list[str]
    so_price: np.ndarray
    so_lead: np.ndarray
    so_cap: np.ndarray
    so_moq: np.ndarray
    so_order_cost: np.ndarray
    # policies
    wc_limit: np.ndarray  # [T]
    penalty: float
    warnings: list[str] = field(default_factory=list)

    @property
    def T(self) -> int:  # noqa: N802 - the model's own notation
        return len(self.periods)

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        """(families, periods, resources, channels, components)."""
        return (len(self.families), self.T, len(self.resources), len(self.channels), len(self.components))

    @property
    def so_binary(self) -> np.ndarray:
        """Supply options needing an order binary (MOQ or fixed order cost)."""
        return (self.so_moq > 0) | (self.so_order_cost > 0)

    def has_integers(self) -> bool:
        return bool(np.any(self.so_binary) or np.any(self.has_wf & self.wf_int))


def per_period(value: Any, n: int, default: float) -> np.ndarray:
    """Scalar or list (None entries -> default) to a float array of length n."""
    if value is None:
        return np.full(n, default, dtype=float)
    if isinstance(value, list):
        return np.array([default if v is None else float(v) for v in value], dtype=float)
    return np.full(n, float(value), dtype=float)


def _opt(obj: dict[str, Any], key: str, default: Any) -> Any:
    value = obj.get(key, default)
    return default if value is None and default is not None else value


def normalize(doc: dict[str, Any], warnings: list[str] | None = None) -> Data:
    """Build :class:`Data` from a document already checked by ``schema.validate``."""
    periods = list(doc["periods"])
    n_t = len(periods)
    t_index = {p: i for i, p in enumerate(periods)}
    fams = doc["families"]
    chans = doc.get("channels") or [{"code": DEFAULT_CHANNEL}]
    ress = doc.get("resources") or []
    comps = doc.get("components") or []
    f_index = {f["code"]: i for i, f in enumerate(fams)}
    c_index = {c["code"]: i for i, c in enumerate(chans)}
    r_index = {r["code"]: i for i, r in enumerate(ress)}
    k_index = {k["code"]: i for i, k in enumerate(comps)}
    n_f, n_c, n_r, n_k = len(fams), len(chans), len(ress), len(comps)

    list_price = np.array([per_period(f.get("price"), n_t, 0.0) for f in fams]).reshape(n_f, n_t)
    material = np.array([float(_opt(f, "material_cost", 0.0)) for f in fams])
    init_backlog = np.zeros((n_f, n_c))
    for i, f in enumerate(fams):
        for code, qty in (f.get("initial_backlog") or {}).items():
            init_backlog[i, c_index[code]] += float(qty)
    subs = [f.get("subcontract") for f in fams]
    ss_cost_raw = [f.get("safety_stock_shortfall_cost") for f in fams]

    # Channels.
    backlog_raw = [c.get("backlog_cost") for c in chans]
    lost_raw = [c.get("lost_sale_cost", 0.0) for c in chans]
    max_bl = [c.get("max_ending_backlog") for c in chans]

    # Demand: lines for the same key add up; the key's price is the
    # quantity-weighted price of its lines (a line without price uses list price).
    demand = np.zeros((n_f, n_c, n_t))
    revenue_at_list = np.zeros((n_f, n_c, n_t))
    last_price = np.full((n_f, n_c, n_t), np.nan)
    pl_f, pl_c, pl_t, po_line, po_price, po_qty = [], [], [], [], [], []
    single_channel = chans[0]["code"]
    for line in doc.get("demand") or []:
        fi = f_index[line["family"]]
        ci = c_index[line.get("channel", single_channel)]
        ti = t_index[line["period"]]
        options = line.get("price_options")
        if options is not None:
            li = len(pl_f)
            pl_f.append(fi), pl_c.append(ci), pl_t.append(ti)
            for opt in options:
                po_line.append(li)
                po_price.append(float(opt["price"]))
                po_qty.append(float(opt["quantity"]))
            continue
        qty = float(line["quantity"])
        p = line.get("price")
        unit = list_price[fi, ti] if p is None else float(p)
        if p is not None:
            last_price[fi, ci, ti] = float(p)
        demand[fi, ci, ti] += qty
        revenue_at_list[fi, ci, ti] += qty * unit
    price = np.broadcast_to(list_price[:, None, :], demand.shape).copy()
    overridden = ~np.isnan(last_price)
    price[overridden] = last_price[overridden]
    has_qty = demand > 0
    price[has_qty] = revenue_at_list[has_qty] / demand[has_qty]

    # Resources and routings.
    routing = np.zeros((n_f, n_r))
    for rt in doc.get("routings") or []:
        routing[f_index[rt["family"]], r_index[rt["resource"]]] += float(rt["hours_per_unit"])
    wfs = [r.get("workforce") for r in ress]
    ots = [r.get("overtime") for r in ress]
    has_wf = np.array([w is not None for w in wfs], dtype=bool)
    cap = np.zeros((n_r, n_t))
    wf_min = np.zeros((n_r, n_t))
    wf_max = np.full((n_r, n_t), INF)
    for i, r in enumerate(ress):
        if wfs[i] is None:
            cap[i] = per_period(r.get("capacity"), n_t, 0.0)
        else:
            wf_min[i] = per_period(wfs[i].get("min"), n_t, 0.0)
            wf_max[i] = per_period(wfs[i].get("max"), n_t, INF)

    def wf_field(key: str, default: float) -> np.ndarray:
        return np.array([float(_opt(w, key, default)) if w else 0.0 for w in wfs])

    ot_max = np.full((n_r, n_t), INF)
    for i, ot in enumerate(ots):
        if ot is not None:
            ot_max[i] = per_period(ot.get("max_hours"), n_t, INF)

    # Components, supply options and bom.
    bom = np.zeros((n_f, n_k))
    for line in doc.get("bom") or []:
        bom[f_index[line["family"]], k_index[line["component"]]] += float(line["quantity_per_unit"])
    so_comp, so_codes, so_price, so_lead, so_cap, so_moq, so_oc = [], [], [], [], [], [], []
    comp_value = np.zeros(n_k)
    for ki, comp in enumerate(comps):
        for j, opt in enumerate(comp["supply_options"]):
            so_comp.append(ki)
            so_codes.append(opt["code"])
            prices = per_period(opt["price"], n_t, 0.0)
            if j == 0:
                comp_value[ki] = prices[0]
            so_price.append(prices)
            so_lead.append(int(opt.get("lead_time") or 0))
            so_cap.append(per_period(opt.get("capacity"), n_t, INF))
            so_moq.append(float(_opt(opt, "moq", 0.0)))
            so_oc.append(float(_opt(opt, "order_cost", 0.0)))

    unit_value = np.array(
        [
            float(f["unit_value"])
            if f.get("unit_value") is not None
            else material[i] + float(bom[i] @ comp_value)
            for i, f in enumerate(fams)
        ]
    )
    policies = doc.get("policies") or {}
    penalty = policies.get("infeasibility_penalty")

    def arr(values: list[Any], dtype: Any = float) -> np.ndarray:
        return np.array(values, dtype=dtype)

    return Data(
        name=str(doc.get("name") or ""),
        currency=str(doc.get("currency") or "USD"),
        periods=periods,
        families=[f["code"] for f in fams],
        channels=[c["code"] for c in chans],
        resources=[r["code"] for r in ress],
        components=[k["code"] for k in comps],
        list_price=list_price,
        material=material,
        holding=arr([_opt(f, "holding_cost", 0.0) for f in fams]),
        unit_value=unit_value,
        init_inv=arr([_opt(f, "initial_inventory", 0.0) for f in fams]),
        init_backlog=init_backlog,
        min_end_inv=arr([_opt(f, "min_ending_inventory", 0.0) for f in fams]),
        max_prod=np.array([per_period(f.get("max_production"), n_t, INF) for f in fams]).reshape(n_f, n_t),
        has_sc=arr([s is not None for s in subs], bool),
        sc_cost=arr([float(s["cost"]) if s else 0.0 for s in subs]),
        sc_cap=np.array([per_period(s.get("capacity") if s else 0.0, n_t, INF) for s in subs]).reshape(
            n_f, n_t
        ),
        ss=np.array([per_period(f.get("safety_stock"), n_t, 0.0) for f in fams]).reshape(n_f, n_t),
        ss_soft=arr([c is not None for c in ss_cost_raw], bool),
        ss_cost=arr([0.0 if c is None else float(c) for c in ss_cost_raw]),
        has_backlog=arr([b is not None for b in backlog_raw], bool),
        backlog_cost=arr([0.0 if b is None else float(b) for b in backlog_raw]),
        lost_allowed=arr([v is not None for v in lost_raw], bool),
        lost_cost=arr([0.0 if v is None else float(v) for v in lost_raw]),
        max_end_backlog=arr([INF if v is None else float(v) for v in max_bl]),
        min_fill=arr([float(c.get("min_fill_rate") or 0.0) for c in chans]),
        demand=demand,
        price=price,
        pl_f=arr(pl_f, np.int64),
        pl_c=arr(pl_c, np.int64),
        pl_t=arr(pl_t, np.int64),
        po_line=arr(po_line, np.int64),
        po_price=arr(po_price),
        po_qty=arr(po_qty),
        routing=routing,
        cap=cap,
        rcph=arr([_opt(r, "regular_cost_per_hour", 0.0) for r in ress]),
        has_wf=has_wf,
        wf_init=wf_field("initial", 0.0),
        hpw=wf_field("hours_per_worker", 0.0),
        cpw=wf_field("cost_per_worker", 0.0),
        hire_cost=wf_field("hire_cost", 0.0),
        layoff_cost=wf_field("layoff_cost", 0.0),
        wf_min=wf_min,
        wf_max=wf_max,
        wf_int=arr([bool(w.get("integer", False)) if w else False for w in wfs], bool),
        has_ot=arr([o is not None for o in ots], bool),
        ot_cost=arr([float(o["cost_per_hour"]) if o else 0.0 for o in ots]),
        ot_max=ot_max,
        ot_per_worker=arr(
            [
                float(o["max_hours_per_worker"]) if o and o.get("max_hours_per_worker") is not None else INF
                for o in ots
            ]
        ),
        ci0=arr([_opt(k, "initial_inventory", 0.0) for k in comps]),
        c_hold=arr([_opt(k, "holding_cost", 0.0) for k in comps]),
        receipts=np.array([per_period(k.get("scheduled_receipts"), n_t, 0.0) for k in comps]).reshape(
            n_k, n_t
        ),
        comp_value=comp_value,
        bom=bom,
        so_comp=arr(so_comp, np.int64),
        so_codes=so_codes,
        so_price=np.array(so_price, dtype=float).reshape(len(so_codes), n_t),
        so_lead=arr(so_lead, np.int64),
        so_cap=np.array(so_cap, dtype=float).reshape(len(so_codes), n_t),
        so_moq=arr(so_moq),
        so_order_cost=arr(so_oc),
        wc_limit=per_period(policies.get("working_capital_limit"), n_t, INF),
        penalty=DEFAULT_PENALTY if penalty is None else float(penalty),
        warnings=list(warnings or []),
    )
