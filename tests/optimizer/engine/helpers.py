"""Test helpers: small documents, and an evaluator of plan documents that is
independent of the engine (plain loops over the JSON, written from the
contract in problem-format.md)."""

from __future__ import annotations

import copy
import math
from typing import Any

from optimizer.engine import solve

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


def problem(periods: int | list[str] = 1, **parts: Any) -> dict[str, Any]:
    """A minimal valid document; keyword arguments replace top-level parts."""
    names = periods if isinstance(periods, list) else [f"p{i + 1}" for i in range(periods)]
    doc: dict[str, Any] = {
        "format": "sop-problem/1",
        "name": "test",
        "currency": "USD",
        "periods": names,
        "families": [{"code": "F", "price": 10}],
        "channels": [{"code": "c"}],
        "demand": [],
    }
    doc.update(copy.deepcopy(parts))
    return doc


def dem(
    qty: float | list[float], family: str = "F", channel: str = "c", periods: int = 1, **extra: Any
) -> list[dict]:
    qs = qty if isinstance(qty, list) else [qty] * periods
    return [
        {"family": family, "channel": channel, "period": f"p{i + 1}", "quantity": q, **extra}
        for i, q in enumerate(qs)
        if q
    ]


def run(doc: dict[str, Any], **kw: Any) -> dict[str, Any]:
    plan = solve(doc, **kw)
    assert plan["status"] != "error", plan.get("message")
    check_plan(doc, plan)
    return plan


def profit(plan: dict[str, Any]) -> float:
    return plan["objective"]["profit"]


def approx(a: float, b: float, rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _pp(value: Any, t: int, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, list):
        v = value[t]
        return default if v is None else float(v)
    return float(value)


def check_plan(doc: dict[str, Any], plan: dict[str, Any], tol: float = 1e-6) -> dict[str, float]:
    """Check every balance and bound of the plan and recompute its money from the
    problem document. Returns the recomputed objective; raises AssertionError."""
    periods = doc["periods"]
    n_t = len(periods)
    chans = doc.get("channels") or [{"code": "default"}]
    ch_codes = [c["code"] for c in chans]
    ch = {c["code"]: c for c in chans}
    fams = {f["code"]: f for f in doc["families"]}
    ress = {r["code"]: r for r in doc.get("resources") or []}
    comps = {k["code"]: k for k in doc.get("components") or []}
    policies = doc.get("policies") or {}
    penalty = policies.get("infeasibility_penalty") or 1e7

    def close(a: float, b: float, what: str, scale: float = 1.0) -> None:
        assert abs(a - b) <= tol * max(1.0, abs(a), abs(b), scale), f"{what}: {a} != {b}"

    # Demand per key and its price from the problem document.
    demand: dict[tuple, float] = {}
    rev_at: dict[tuple, float] = {}
    override: dict[tuple, float] = {}
    option_keys = set()
    for line in doc.get("demand") or []:
        key = (line["family"], line.get("channel", ch_codes[0]), periods.index(line["period"]))
        if "price_options" in line:
            option_keys.add(key)
            continue
        list_price = _pp(fams[key[0]].get("price", 0), key[2], 0.0)
        p = line.get("price")
        demand[key] = demand.get(key, 0.0) + line["quantity"]
        rev_at[key] = rev_at.get(key, 0.0) + line["quantity"] * (list_price if p is None else p)
        if p is not None:
            override[key] = p

    def price_of(key: tuple) -> float:
        if demand.get(key, 0) > 0:
            return rev_at[key] / demand[key]
        if key in override:
            return override[key]
        return _pp(fams[key[0]].get("price", 0), key[2], 0.0)

    costs = dict.fromkeys(COST_KEYS, 0.0)
    revenue = 0.0
    prod = {}
    viol_total = 0.0
    fam_plans = {fp["code"]: fp["periods"] for fp in plan["families"]}
    assert set(fam_plans) == set(fams)
    opt_rev = {}
    for choice in plan.get("price_choice", []):
        key = (choice["family"], choice["channel"], periods.index(choice["period"]))
        w = sum(o["weight"] for o in choice["options"])
        close(w, 1.0, f"price weights of {key}")
        for o in choice["options"]:
            assert o["shipped"] <= o["weight"] * o["quantity"] + tol * max(1, o["quantity"]), (
                "option shipped > demand"
            )
        opt_rev[key] = opt_rev.get(key, 0.0) + sum(o["price"] * o["shipped"] for o in choice["options"])
    for code, fam in fams.items():
        rows = fam_plans[code]
        assert [r["period"] for r in rows] == periods
        inv = fam.get("initial_inventory", 0.0)
        back = {c: (fam.get("initial_backlog") or {}).get(c, 0.0) for c in ch_codes}
        sc = fam.get("subcontract")
        for t, r in enumerate(rows):
            for key_name in ("production", "subcontract", "inventory", "safety_stock_shortfall"):
                assert r[key_name] >= -tol, f"{code} {key_name} negative"
            assert set(r["shipments"]) == set(ch_codes)
            shipped = sum(r["shipments"].values())
            new_inv = inv + r["production"] + r["subcontract"] - shipped
            close(r["inventory"], new_inv, f"inventory balance {code} t={t}", scale=inv + r["production"])
            inv = r["inventory"]
            mp = _pp(fam.get("max_production"), t, math.inf)
            assert r["production"] <= mp + tol * max(1, mp if mp < math.inf else 1)
            if sc is None:
                assert r["subcontract"] <= tol
            else:
                cap = _pp(sc.get("capacity"), t, math.inf)
                assert r["subcontract"] <= cap + tol * max(1.0, cap if cap < math.inf else 1)
                costs["subcontract"] += sc["cost"] * r["subcontract"]
            costs["material"] += fam.get("material_cost", 0.0) * r["production"]
            costs["holding"] += fam.get("holding_cost", 0.0) * r["inventory"]
            prod[(code, t)] = r["production"]
            for c in ch_codes:
                key = (code, c, t)
                d = demand.get(key, 0.0)
                if key in option_keys:
                    assert r["demand"][c] >= d - tol
                    d = r["demand"][c]
                else:
                    close(r["demand"][c], d, f"demand {key}")
                s, b, x = r["shipments"][c], r["backlog"][c], r["lost"][c]
                assert min(s, b, x) >= -tol
                close(b, back[c] + d - s - x, f"order balance {key}", scale=back[c] + d)
                back[c] = b
                chan = ch[c]
                if chan.get("backlog_cost") is None:
                    assert b <= tol, f"backlog on no-backlog channel {key}"
                else:
                    costs["backlog"] += chan["backlog_cost"] * b
                lsc = chan.get("lost_sale_cost", 0.0)
                if lsc is None:
                    assert x <= tol, f"lost on channel without lost sales {key}"
                else:
                    costs["lost_sales"] += lsc * x
                if key in option_keys:
                    fixed_ship = s - sum(
                        o["shipped"]
                        for ch_ in plan["price_choice"]
                        if (ch_["family"], ch_["channel"], periods.index(ch_["period"])) == key
                        for o in ch_["options"]
                    )
                    revenue += opt_rev[key] + price_of(key) * fixed_ship
                else:
                    revenue += price_of(key) * s
            target = _pp(fam.get("safety_stock", 0.0), t, 0.0)
            short = max(0.0, target - r["inventory"])
            close(r["safety_stock_shortfall"], short, f"safety stock shortfall {code} t={t}", scale=target)
            if fam.get("safety_stock_shortfall_cost") is None:
                viol_total += short
            else:
                costs["safety_stock_shortfall"] += fam["safety_stock_shortfall_cost"] * short
        viol_total += max(0.0, fam.get("min_ending_inventory", 0.0) - inv)
        for c in ch_codes:
            mx = ch[c].get("max_ending_backlog")
            if mx is not None and ch[c].get("backlog_cost") is not None:
                viol_total += max(0.0, back[c] - mx)

    # Fill rate: on-time = min(demand, shipments) per key.
    for c in ch_codes:
        mfr = ch[c].get("min_fill_rate") or 0.0
        if mfr > 0:
            on_time = total = 0.0
            for code in fams:
                for r in fam_plans[code]:
                    total += r["demand"][c]
                    on_time += min(r["demand"][c], r["shipments"][c])
            viol_total += max(0.0, mfr * total - on_time)

    # Resources.
    res_plans = {rp["code"]: rp["periods"] for rp in plan["resources"]}
    routing: dict[tuple, float] = {}
    for rt in doc.get("routings") or []:
        routing[(rt["family"], rt["resource"])] = (
            routing.get((rt["family"], rt["resource"]), 0.0) + rt["hours_per_unit"]
        )
    for code, res in ress.items():
        wf, ot = res.get("workforce"), res.get("overtime")
        workers = (wf or {}).get("initial", 0.0)
        for t, r in enumerate(res_plans[code]):
            hours = sum(h * prod[(f, t)] for (f, rc), h in routing.items() if rc == code)
            close(r["hours_used"], hours, f"hours {code} t={t}", scale=hours)
            if wf is None:
                regular = _pp(res["capacity"], t, 0.0)
            else:
                close(r["workers"], workers + r["hires"] - r["layoffs"], f"workforce balance {code} t={t}")
                workers = r["workers"]
                if wf.get("integer"):
                    assert abs(workers - round(workers)) <= 1e-6, "integer workforce"
                regular = wf["hours_per_worker"] * workers
                costs["regular_labor"] += wf.get("cost_per_worker", 0.0) * workers
                costs["hiring"] += wf.get("hire_cost", 0.0) * r["hires"]
                costs["layoffs"] += wf.get("layoff_cost", 0.0) * r["layoffs"]
                lo, hi = _pp(wf.get("min"), t, 0.0), _pp(wf.get("max"), t, math.inf)
                viol_total += max(0.0, lo - workers) + max(0.0, workers - hi)
            close(r["regular_hours"], regular, f"regular hours {code} t={t}", scale=regular)
            o = r["overtime_hours"]
            assert hours <= regular + o + tol * max(1.0, hours), f"capacity {code} t={t}"
            if ot is None:
                assert o <= tol
            else:
                assert o <= _pp(ot.get("max_hours"), t, math.inf) + tol * max(1.0, o)
                if ot.get("max_hours_per_worker") is not None:
                    assert o <= ot["max_hours_per_worker"] * workers + tol * max(1.0, o)
                costs["overtime"] += ot["cost_per_hour"] * o
            costs["regular_labor"] += res.get("regular_cost_per_hour", 0.0) * (hours - o)
            assert r["shadow_price"] >= -1e-6

    # Components.
    comp_plans = {cp["code"]: cp["periods"] for cp in plan["components"]}
    bom: dict[tuple, float] = {}
    for line in doc.get("bom") or []:
        bom[(line["family"], line["component"])] = (
            bom.get((line["family"], line["component"]), 0.0) + line["quantity_per_unit"]
        )
    comp_value = {
        k: (_pp(c["supply_options"][0]["price"], 0, 0.0) if c["supply_options"] else 0.0)
        for k, c in comps.items()
    }
    for code, comp in comps.items():
        rows = comp_plans[code]
        opts = {o["code"]: o for o in comp["supply_options"]}
        stock = comp.get("initial_inventory", 0.0)
        for t, r in enumerate(rows):
            arrivals = 0.0
            for oc, o in opts.items():
                q = r["orders"][oc]
                lead = o.get("lead_time", 0)
                assert q >= -tol
                if t + lead > n_t - 1:
                    assert q <= tol, f"order of {code}/{oc} arriving after the horizon"
                assert q <= _pp(o.get("capacity"), t, math.inf) + tol * max(1.0, q)
                if q > tol:
                    assert q >= o.get("moq", 0.0) - tol * max(1.0, q), f"MOQ {code}/{oc} t={t}"
                    costs["procurement"] += _pp(o["price"], t, 0.0) * q + o.get("order_cost", 0.0)
                if t - lead >= 0:
                    arrivals += rows[t - lead]["orders"][oc]
            use = sum(q * prod[(f, t)] for (f, k), q in bom.items() if k == code)
            receipts = _pp(comp.get("scheduled_receipts", 0.0), t, 0.0)
            new = stock + arrivals + receipts - use
            close(r["inventory"], new, f"component balance {code} t={t}", scale=stock + arrivals + receipts)
            assert r["inventory"] >= -tol * max(1.0, use)
            stock = r["inventory"]
            costs["holding"] += comp.get("holding_cost", 0.0) * stock

    # Working capital.
    limit = policies.get("working_capital_limit")
    if limit is not None:
        for t in range(n_t):
            value = 0.0
            for code, fam in fams.items():
                uv = fam.get("unit_value")
                if uv is None:
                    uv = fam.get("material_cost", 0.0) + sum(
                        q * comp_value[k] for (f, k), q in bom.items() if f == code
                    )
                value += uv * fam_plans[code][t]["inventory"]
            value += sum(comp_value[k] * comp_plans[k][t]["inventory"] for k in comps)
            viol_total += max(0.0, value - _pp(limit, t, math.inf))

    costs["penalties"] = penalty * viol_total
    obj = plan["objective"]
    assert set(obj["costs"]) == set(COST_KEYS)
    for k in COST_KEYS:
        close(obj["costs"][k], costs[k], f"cost {k}", scale=abs(revenue) + 1)
    close(obj["revenue"], revenue, "revenue")
    close(obj["total_cost"], sum(obj["costs"].values()), "total_cost = sum(costs)")
    close(obj["profit"], obj["revenue"] - obj["total_cost"], "profit = revenue - total_cost")
    if viol_total > 1e-6 * max(1.0, abs(revenue)) / penalty:
        assert plan["violations"], "violations expected"
    return {"revenue": revenue, "profit": revenue - sum(costs.values()), **costs}
