"""Small random problem documents exercising every feature of the contract."""

from __future__ import annotations

from typing import Any

import numpy as np


def random_document(
    seed: int, *, integers: bool = False, max_families: int = 3, max_periods: int = 5
) -> dict[str, Any]:
    """A valid `sop-problem/1` document; ``integers`` allows MOQ, order costs and whole workers."""
    rng = np.random.default_rng(seed)

    def r2(x: float) -> float:
        return float(round(float(x), 2))

    n_f = int(rng.integers(1, max_families + 1))
    n_t = int(rng.integers(2, max_periods + 1))
    n_c = int(rng.integers(1, 4))
    n_r = int(rng.integers(0, 3))
    n_k = int(rng.integers(0, 4))
    periods = [f"t{t}" for t in range(n_t)]

    def per_period(lo: float, hi: float) -> Any:
        return r2(rng.uniform(lo, hi)) if rng.random() < 0.5 else [r2(v) for v in rng.uniform(lo, hi, n_t)]

    chans = []
    for c in range(n_c):
        kind = rng.integers(0, 3)  # 0 no backlog, 1 backlog + lost, 2 backlog only
        ch: dict[str, Any] = {"code": f"c{c}"}
        if kind == 0:
            ch["backlog_cost"] = None
            ch["lost_sale_cost"] = r2(rng.uniform(0, 5))
        else:
            ch["backlog_cost"] = r2(rng.uniform(0.1, 3))
            ch["lost_sale_cost"] = r2(rng.uniform(0, 5)) if kind == 1 else None
            if rng.random() < 0.4:
                ch["max_ending_backlog"] = r2(rng.uniform(0, 10))
        if rng.random() < 0.3:
            ch["min_fill_rate"] = r2(rng.uniform(0.2, 0.9))
        chans.append(ch)
    fams = []
    for f in range(n_f):
        fam: dict[str, Any] = {
            "code": f"F{f}",
            "price": per_period(10, 30),
            "material_cost": r2(rng.uniform(0, 6)),
            "holding_cost": r2(rng.uniform(0, 2)),
            "initial_inventory": r2(rng.uniform(0, 10)),
        }
        if rng.random() < 0.3:
            fam["subcontract"] = {
                "cost": r2(rng.uniform(8, 25)),
                "capacity": None if rng.random() < 0.3 else per_period(0, 10),
            }
        if rng.random() < 0.3:
            fam["safety_stock"] = per_period(0, 8)
            fam["safety_stock_shortfall_cost"] = None if rng.random() < 0.3 else r2(rng.uniform(0, 3))
        if rng.random() < 0.3:
            fam["min_ending_inventory"] = r2(rng.uniform(0, 8))
        if rng.random() < 0.2:
            fam["max_production"] = per_period(0, 20)
        if rng.random() < 0.4:
            # Mostly on backlog channels; sometimes on one without (owed in period 0).
            fam["initial_backlog"] = {chans[int(rng.integers(0, n_c))]["code"]: r2(rng.uniform(0, 8))}
        if rng.random() < 0.2:
            fam["unit_value"] = r2(rng.uniform(1, 20))
        fams.append(fam)
    demand = []
    for f in range(n_f):
        for c in range(n_c):
            for t in range(n_t):
                if rng.random() < 0.2:
                    continue
                line: dict[str, Any] = {"family": f"F{f}", "channel": f"c{c}", "period": periods[t]}
                if chans[c]["backlog_cost"] is None and rng.random() < 0.25:
                    line["price_options"] = [
                        {"price": r2(rng.uniform(8, 35)), "quantity": r2(rng.uniform(0, 15))}
                        for _ in range(int(rng.integers(1, 4)))
                    ]
                else:
                    line["quantity"] = r2(rng.uniform(0, 15))
                    if rng.random() < 0.3:
                        line["price"] = r2(rng.uniform(8, 35))
                demand.append(line)
    resources, routings = [], []
    for r in range(n_r):
        res: dict[str, Any] = {"code": f"R{r}", "regular_cost_per_hour": r2(rng.uniform(0, 3))}
        if rng.random() < 0.4:
            res["workforce"] = {
                "initial": r2(rng.uniform(0, 4)),
                "hours_per_worker": r2(rng.uniform(5, 15)),
                "cost_per_worker": r2(rng.uniform(5, 30)),
                "hire_cost": r2(rng.uniform(0, 20)),
                "layoff_cost": r2(rng.uniform(0, 20)),
            }
            if rng.random() < 0.3:
                res["workforce"]["min"] = r2(rng.uniform(0, 3))
            if rng.random() < 0.3:
                res["workforce"]["max"] = per_period(1, 6)
            if integers and rng.random() < 0.5:
                res["workforce"]["integer"] = True
                res["workforce"]["initial"] = float(round(res["workforce"]["initial"]))
            if rng.random() < 0.5:
                res["overtime"] = {
                    "cost_per_hour": r2(rng.uniform(1, 6)),
                    "max_hours_per_worker": r2(rng.uniform(0, 4)),
                }
        else:
            res["capacity"] = per_period(5, 40)
            if rng.random() < 0.5:
                res["overtime"] = {
                    "cost_per_hour": r2(rng.uniform(1, 6)),
                    "max_hours": None if rng.random() < 0.3 else per_period(0, 10),
                }
        resources.append(res)
        for f in range(n_f):
            if rng.random() < 0.7:
                routings.append(
                    {"family": f"F{f}", "resource": f"R{r}", "hours_per_unit": r2(rng.uniform(0.2, 2))}
                )
    comps, bom = [], []
    for k in range(n_k):
        opts = []
        for o in range(int(rng.integers(0, 4))):
            opt: dict[str, Any] = {
                "code": f"o{o}",
                "price": per_period(0.5, 4),
                "lead_time": int(rng.integers(0, 3)),
            }
            if rng.random() < 0.4:
                opt["capacity"] = per_period(0, 30)
            if integers and rng.random() < 0.4:
                opt["moq"] = r2(rng.uniform(0, 25))
            if integers and rng.random() < 0.3:
                opt["order_cost"] = r2(rng.uniform(0, 15))
            opts.append(opt)
        comp: dict[str, Any] = {
            "code": f"K{k}",
            "initial_inventory": r2(rng.uniform(0, 20)),
            "holding_cost": r2(rng.uniform(0, 0.5)),
            "supply_options": opts,
        }
        if rng.random() < 0.3:
            comp["scheduled_receipts"] = per_period(0, 10)
        comps.append(comp)
        for f in range(n_f):
            if rng.random() < 0.6:
                bom.append(
                    {"family": f"F{f}", "component": f"K{k}", "quantity_per_unit": r2(rng.uniform(0.5, 2))}
                )
    policies: dict[str, Any] = {"infeasibility_penalty": 1000.0}
    if rng.random() < 0.3:
        policies["working_capital_limit"] = per_period(20, 300)
    return {
        "format": "sop-problem/1",
        "name": f"random {seed}",
        "currency": "EUR",
        "periods": periods,
        "families": fams,
        "channels": chans,
        "demand": demand,
        "resources": resources,
        "routings": routings,
        "components": comps,
        "bom": bom,
        "policies": policies,
    }
