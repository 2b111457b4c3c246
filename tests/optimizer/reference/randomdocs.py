"""Random problem documents covering every field of the contract (test-only)."""
from __future__ import annotations

import random


def _pp(rng: random.Random, T: int, lo: float, hi: float, scalar_p: float = 0.5):
    if rng.random() < scalar_p:
        return round(rng.uniform(lo, hi), 2)
    return [round(rng.uniform(lo, hi), 2) for _ in range(T)]


def random_document(seed: int, *, mip: bool = False, price_options: bool = True) -> dict:
    rng = random.Random(seed)
    T = rng.randint(2, 6)
    periods = [f"2027-{m:02d}" for m in range(1, T + 1)]
    nf, nc, nr, nk = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 2), rng.randint(0, 2)
    channels = []
    for c in range(nc):
        backlog = rng.random() < 0.5
        ch = {"code": f"C{c}", "backlog_cost": round(rng.uniform(0.5, 4), 2) if backlog else None,
              "lost_sale_cost": round(rng.uniform(0, 10), 2)}
        if backlog and rng.random() < 0.3:
            ch["lost_sale_cost"] = None
        if backlog and rng.random() < 0.4:
            ch["max_ending_backlog"] = round(rng.uniform(0, 30), 1)
        if rng.random() < 0.4:
            ch["min_fill_rate"] = round(rng.uniform(0.3, 0.95), 2)
        channels.append(ch)
    comps = []
    for k in range(nk):
        opts = []
        for o in range(rng.randint(1, 3)):
            opt = {"code": f"O{o}", "price": _pp(rng, T, 1, 6), "lead_time": rng.randint(0, 2)}
            if rng.random() < 0.5:
                opt["capacity"] = _pp(rng, T, 20, 200)
            if mip and rng.random() < 0.5:
                opt["moq"] = round(rng.uniform(10, 60), 1)
                opt["capacity"] = opt.get("capacity") or 300.0
            if mip and rng.random() < 0.3:
                opt["order_cost"] = round(rng.uniform(5, 50), 1)
            opts.append(opt)
        comp = {"code": f"K{k}", "supply_options": opts, "initial_inventory": round(rng.uniform(0, 80), 1),
                "holding_cost": round(rng.uniform(0, 0.5), 2)}
        if rng.random() < 0.4:
            comp["scheduled_receipts"] = _pp(rng, T, 0, 30)
        comps.append(comp)
    resources = []
    for r in range(nr):
        res = {"code": f"R{r}", "regular_cost_per_hour": round(rng.uniform(0, 3), 2)}
        if rng.random() < 0.35:
            res["workforce"] = {
                "initial": rng.randint(1, 6), "hours_per_worker": rng.choice([20, 40]),
                "cost_per_worker": round(rng.uniform(10, 60), 1), "hire_cost": round(rng.uniform(0, 40), 1),
                "layoff_cost": round(rng.uniform(0, 40), 1), "min": rng.choice([None, 1]),
                "max": rng.choice([None, 8]), "integer": bool(mip and rng.random() < 0.5),
            }
            if rng.random() < 0.5:
                res["overtime"] = {"cost_per_hour": round(rng.uniform(1, 8), 2), "max_hours_per_worker": rng.choice([5, 10])}
        else:
            res["capacity"] = _pp(rng, T, 40, 300)
            if rng.random() < 0.5:
                res["overtime"] = {"cost_per_hour": round(rng.uniform(1, 8), 2), "max_hours": _pp(rng, T, 0, 60)}
        resources.append(res)
    families, routings, bom, demand = [], [], [], []
    for f in range(nf):
        fam = {"code": f"F{f}", "price": _pp(rng, T, 20, 60), "material_cost": round(rng.uniform(1, 10), 2),
               "holding_cost": round(rng.uniform(0.1, 2), 2), "initial_inventory": round(rng.uniform(0, 40), 1)}
        if rng.random() < 0.3:
            fam["initial_backlog"] = {ch["code"]: round(rng.uniform(0, 10), 1) for ch in channels if ch["backlog_cost"] is not None}
        if rng.random() < 0.3:
            fam["min_ending_inventory"] = round(rng.uniform(0, 30), 1)
        if rng.random() < 0.3:
            fam["max_production"] = _pp(rng, T, 10, 80)
        if rng.random() < 0.4:
            fam["subcontract"] = {"cost": round(rng.uniform(15, 50), 2), "capacity": rng.choice([None, 20.0])}
        if rng.random() < 0.4:
            fam["safety_stock"] = _pp(rng, T, 0, 20)
            fam["safety_stock_shortfall_cost"] = rng.choice([None, round(rng.uniform(0.5, 5), 2)])
        if rng.random() < 0.2:
            fam["unit_value"] = round(rng.uniform(5, 30), 2)
        families.append(fam)
        for res in resources:
            if rng.random() < 0.8:
                routings.append({"family": fam["code"], "resource": res["code"], "hours_per_unit": round(rng.uniform(0.2, 2), 2)})
        for comp in comps:
            if rng.random() < 0.7:
                bom.append({"family": fam["code"], "component": comp["code"], "quantity_per_unit": rng.choice([1, 2, 0.5])})
        for ch in channels:
            for p in periods:
                if rng.random() < 0.85:
                    line = {"family": fam["code"], "channel": ch["code"], "period": p, "quantity": round(rng.uniform(0, 60), 1)}
                    if rng.random() < 0.3:
                        line["price"] = round(rng.uniform(20, 70), 2)
                    if price_options and ch["backlog_cost"] is None and rng.random() < 0.2:
                        base = rng.uniform(25, 60)
                        line = {"family": fam["code"], "channel": ch["code"], "period": p, "price_options": [
                            {"price": round(base * 1.1, 2), "quantity": round(rng.uniform(5, 30), 1)},
                            {"price": round(base, 2), "quantity": round(rng.uniform(30, 50), 1)},
                            {"price": round(base * 0.85, 2), "quantity": round(rng.uniform(50, 80), 1)},
                        ]}
                    demand.append(line)
    doc = {"format": "sop-problem/1", "name": f"random-{seed}", "currency": "USD", "periods": periods,
           "families": families, "channels": channels, "demand": demand, "resources": resources,
           "routings": routings, "components": comps, "bom": bom, "policies": {}}
    if rng.random() < 0.3:
        doc["policies"]["working_capital_limit"] = _pp(rng, T, 200, 2000)
    if rng.random() < 0.3:
        doc["policies"]["infeasibility_penalty"] = 1e5
    return doc
