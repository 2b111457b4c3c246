"""Numbers the pages need, computed once from a problem and its plan (pure, no Django).

- :func:`plan_rows`: the plan as table rows (family x period, family x channel x period,
  resource x period, component x period) with revenue and inventory value added, for the
  plan tables the pages and the budget reconciliation read;
- :func:`kpis`: the KPI header of a plan (profit, revenue, margin, service by channel,
  inventory value, utilization) and, when the plan carries the sequential baseline, the
  same KPIs for it and the value of the single pass.

Prices follow the contract: a fixed-demand key (family, channel, period) is priced at the
quantity-weighted price of its lines (a line without a price uses the family's list
price); a key without quantity at its last explicit line price, else the list price.
Price-option lines earn the prices of the options shipped.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

Key = tuple[str, str, str]


def _per_period(value: Any, n: int, default: float) -> list[float]:
    if isinstance(value, list):
        return [default if v is None else float(v) for v in value]
    return [default if value is None else float(value)] * n


def channel_codes(problem: dict[str, Any]) -> list[str]:
    return [c["code"] for c in problem.get("channels") or [{"code": "default"}]]


def list_prices(problem: dict[str, Any]) -> dict[str, list[float]]:
    n = len(problem["periods"])
    return {f["code"]: _per_period(f.get("price"), n, 0.0) for f in problem["families"]}


def fixed_prices(problem: dict[str, Any]) -> tuple[dict[Key, float], list[str]]:
    """(price per key with a fixed-demand line or an explicit price, periods)."""
    periods = problem["periods"]
    index = {p: t for t, p in enumerate(periods)}
    first = channel_codes(problem)[0]
    lists = list_prices(problem)
    qty: dict[Key, float] = defaultdict(float)
    money: dict[Key, float] = defaultdict(float)
    last: dict[Key, float] = {}
    for line in problem.get("demand") or []:
        if line.get("price_options") is not None:
            continue
        key = (line["family"], line.get("channel", first), line["period"])
        q = float(line.get("quantity") or 0)
        p = line.get("price")
        unit = lists[line["family"]][index[line["period"]]] if p is None else float(p)
        if p is not None:
            last[key] = float(p)
        qty[key] += q
        money[key] += q * unit
    prices = dict(last)
    for key, q in qty.items():
        if q > 0:
            prices[key] = money[key] / q
    return prices, periods


def component_values(problem: dict[str, Any]) -> dict[str, float]:
    """Standard value per component: the period-0 price of its first supply option."""
    n = len(problem["periods"])
    out = {}
    for comp in problem.get("components") or []:
        options = comp.get("supply_options") or []
        out[comp["code"]] = _per_period(options[0].get("price"), n, 0.0)[0] if options else 0.0
    return out


def unit_values(problem: dict[str, Any]) -> dict[str, float]:
    """Inventory value per family unit: unit_value, else material cost + BOM at standard value."""
    comp = component_values(problem)
    bom: dict[str, float] = defaultdict(float)
    for line in problem.get("bom") or []:
        bom[line["family"]] += float(line["quantity_per_unit"]) * comp.get(line["component"], 0.0)
    out = {}
    for fam in problem["families"]:
        if fam.get("unit_value") is not None:
            out[fam["code"]] = float(fam["unit_value"])
        else:
            out[fam["code"]] = float(fam.get("material_cost") or 0) + bom[fam["code"]]
    return out


def _price_option_revenue(plan: dict[str, Any]) -> tuple[dict[Key, float], dict[Key, float]]:
    """(revenue, units shipped) of price-option lines per key."""
    revenue: dict[Key, float] = defaultdict(float)
    shipped: dict[Key, float] = defaultdict(float)
    for choice in plan.get("price_choice") or []:
        key = (choice["family"], choice["channel"], choice["period"])
        for opt in choice["options"]:
            revenue[key] += float(opt["price"]) * float(opt["shipped"])
            shipped[key] += float(opt["shipped"])
    return revenue, shipped


def plan_rows(problem: dict[str, Any], plan: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The plan as rows: ``families``, ``family_channels``, ``resources``, ``components``."""
    prices, periods = fixed_prices(problem)
    index = {p: t for t, p in enumerate(periods)}
    lists = list_prices(problem)
    values = unit_values(problem)
    comp_values = component_values(problem)
    po_revenue, po_shipped = _price_option_revenue(plan)
    fam_rows: list[dict[str, Any]] = []
    fc_rows: list[dict[str, Any]] = []
    for fam in plan.get("families") or []:
        code = fam["code"]
        for p in fam["periods"]:
            t = index[p["period"]]
            totals = {"demand": 0.0, "shipments": 0.0, "backlog": 0.0, "lost": 0.0, "revenue": 0.0}
            for channel, shipped in p["shipments"].items():
                key = (code, channel, p["period"])
                fixed_units = max(0.0, float(shipped) - po_shipped.get(key, 0.0))
                revenue = fixed_units * prices.get(key, lists[code][t]) + po_revenue.get(key, 0.0)
                row = {
                    "family": code, "channel": channel, "period": p["period"], "period_index": t,
                    "demand": float((p.get("demand") or {}).get(channel, 0.0)),
                    "shipments": float(shipped),
                    "backlog": float(p["backlog"].get(channel, 0.0)),
                    "lost": float(p["lost"].get(channel, 0.0)),
                    "revenue": revenue,
                }
                fc_rows.append(row)
                for k in totals:
                    totals[k] += row[k]
            fam_rows.append({
                "family": code, "period": p["period"], "period_index": t,
                "production": float(p["production"]), "subcontract": float(p["subcontract"]),
                "inventory": float(p["inventory"]),
                "inventory_value": float(p["inventory"]) * values.get(code, 0.0),
                "safety_stock_shortfall": float(p.get("safety_stock_shortfall") or 0.0),
                **totals,
            })
    res_rows = [
        {
            "resource": res["code"], "period": p["period"], "period_index": index[p["period"]],
            "hours_used": float(p["hours_used"]), "regular_hours": float(p["regular_hours"]),
            "overtime_hours": float(p["overtime_hours"]), "workers": float(p.get("workers") or 0),
            "hires": float(p.get("hires") or 0), "layoffs": float(p.get("layoffs") or 0),
            "utilization": None if p.get("utilization") is None else float(p["utilization"]),
            "shadow_price": float(p.get("shadow_price") or 0),
        }
        for res in plan.get("resources") or [] for p in res["periods"]
    ]
    comp_rows = [
        {
            "component": comp["code"], "period": p["period"], "period_index": index[p["period"]],
            "orders": {k: float(v) for k, v in p["orders"].items()},
            "orders_total": float(sum(p["orders"].values())),
            "inventory": float(p["inventory"]),
            "inventory_value": float(p["inventory"]) * comp_values.get(comp["code"], 0.0),
        }
        for comp in plan.get("components") or [] for p in comp["periods"]
    ]
    return {"families": fam_rows, "family_channels": fc_rows, "resources": res_rows, "components": comp_rows}


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 1e-9 else None


def _plan_kpis(problem: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    objective = plan.get("objective") or {}
    rows = plan_rows(problem, plan)
    periods = problem["periods"]
    revenue = float(objective.get("revenue") or 0)
    profit = float(objective.get("profit") or 0)
    service: dict[str, dict[str, Any]] = {}
    for channel in channel_codes(problem):
        fc = [r for r in rows["family_channels"] if r["channel"] == channel]
        demand = sum(r["demand"] for r in fc)
        shipped = sum(r["shipments"] for r in fc)
        on_time = (plan.get("on_time") or {}).get(channel) or {}
        service[channel] = {
            "demand": demand,
            "shipped": shipped,
            "lost": sum(r["lost"] for r in fc),
            "ending_backlog": sum(r["backlog"] for r in fc if r["period"] == periods[-1]),
            "fill_rate": on_time.get("fill_rate"),
            "min_fill_rate": on_time.get("min_fill_rate", 0.0),
            "shipped_share": _ratio(shipped, demand),
            "revenue": sum(r["revenue"] for r in fc),
        }
    total_demand = sum(s["demand"] for s in service.values())
    on_time_total = sum(float(v.get("shipped_on_time") or 0) for v in (plan.get("on_time") or {}).values())
    inv_by_t = [0.0] * len(periods)
    for r in rows["families"]:
        inv_by_t[r["period_index"]] += r["inventory_value"]
    for r in rows["components"]:
        inv_by_t[r["period_index"]] += r["inventory_value"]
    by_resource: dict[str, dict[str, Any]] = {}
    all_util = []
    for r in rows["resources"]:
        entry = by_resource.setdefault(r["resource"], {"utilization": [], "binding": 0, "overtime_hours": 0.0,
                                                       "shadow_price_max": 0.0})
        if r["utilization"] is not None:
            entry["utilization"].append(r["utilization"])
            all_util.append(r["utilization"])
        entry["binding"] += int(abs(r["shadow_price"]) > 1e-9)
        entry["overtime_hours"] += r["overtime_hours"]
        entry["shadow_price_max"] = max(entry["shadow_price_max"], abs(r["shadow_price"]))
    utilization = {
        "average": sum(all_util) / len(all_util) if all_util else None,
        "max": max(all_util) if all_util else None,
        "by_resource": {
            code: {
                "average": sum(e["utilization"]) / len(e["utilization"]) if e["utilization"] else None,
                "max": max(e["utilization"]) if e["utilization"] else None,
                "binding_periods": e["binding"],
                "overtime_hours": e["overtime_hours"],
                "shadow_price_max": e["shadow_price_max"],
            }
            for code, e in by_resource.items()
        },
    }
    return {
        "status": plan.get("status"),
        "profit": profit,
        "revenue": revenue,
        "total_cost": float(objective.get("total_cost") or 0),
        "margin": _ratio(profit, revenue),
        "costs": dict(objective.get("costs") or {}),
        "service": service,
        "fill_rate": _ratio(on_time_total, total_demand),
        "inventory_value": {
            "average": sum(inv_by_t) / len(inv_by_t) if inv_by_t else 0.0,
            "ending": inv_by_t[-1] if inv_by_t else 0.0,
            "peak": max(inv_by_t) if inv_by_t else 0.0,
            "by_period": inv_by_t,
        },
        "utilization": utilization,
        "violations": len(plan.get("violations") or []),
    }


def kpis(problem: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """KPIs of the plan, of its sequential baseline (if any) and the single pass's value."""
    if plan.get("status") == "error" or not plan.get("objective"):
        return {"status": plan.get("status"), "currency": problem.get("currency", "")}
    out = _plan_kpis(problem, plan)
    out["currency"] = problem.get("currency", "")
    out["explanations"] = list(plan.get("explanations") or [])[:100]
    out["violation_items"] = list(plan.get("violations") or [])[:100]
    baseline = plan.get("baseline")
    if isinstance(baseline, dict) and baseline.get("objective"):
        b = _plan_kpis(problem, baseline)
        out["baseline"] = {k: b[k] for k in ("status", "profit", "revenue", "total_cost", "margin", "costs",
                                             "fill_rate", "service", "inventory_value", "utilization")}
    comparison = plan.get("comparison") or {}
    if "value" in comparison:
        out["value"] = comparison["value"]
        out["value_by_lever"] = comparison.get("by_lever") or {}
    return out
