"""Catalog reads for pages, the API and the optimizer's problem builder.

`problem_catalog(periods)` returns the catalog part of a problem document (families,
channels, resources, routings, components with supply options, bom) in the field names and
units of problem-format.md, with per-period prices resolved from the price-change rows.
Numbers are floats there (the document is JSON); everywhere else they stay Decimal.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from catalog import models as m


def table_queryset(model, select: tuple[str, ...] = ()) -> QuerySet:
    qs = model.objects.all()
    return qs.select_related(*select) if select else qs


def _month(label: str) -> dt.date:
    year, month = label.split("-")[:2]
    return dt.date(int(year), int(month), 1)


def _schedule(base: Decimal, changes: list[tuple[dt.date, Decimal]], periods: list[str]) -> list[Decimal]:
    """The price in force in each period: the latest change effective on or before it, else base."""
    changes = sorted(changes)
    out = []
    for label in periods:
        day = _month(label)
        price = base
        for start, value in changes:
            if start <= day:
                price = value
            else:
                break
        out.append(price)
    return out


def family_prices(periods: list[str]) -> dict[str, list[Decimal]]:
    """{family: [list price per period]}."""
    changes: dict[int, list] = defaultdict(list)
    for fam_id, start, price in m.FamilyPrice.objects.values_list("family_id", "effective_from", "price"):
        changes[fam_id].append((start, price))
    return {f.code: _schedule(f.list_price, changes[f.pk], periods) for f in m.ProductFamily.objects.all()}


def option_prices(periods: list[str]) -> dict[tuple[str, str], list[Decimal]]:
    """{(component, option): [price per period]} (a tariff step is a price-change row)."""
    changes: dict[int, list] = defaultdict(list)
    for opt_id, start, price in m.SupplyOptionPrice.objects.values_list("option_id", "effective_from", "price"):
        changes[opt_id].append((start, price))
    return {
        (o.component.code, o.code): _schedule(o.price, changes[o.pk], periods)
        for o in m.SupplyOption.objects.select_related("component")
    }


def _num(value):
    return None if value is None else float(value)


def _per_period(values: list[Decimal]):
    floats = [float(v) for v in values]
    return floats[0] if len(set(floats)) == 1 else floats


def problem_catalog(periods: list[str], *, capacity: dict[str, list] | None = None) -> dict:
    """The catalog part of a `sop-problem/1` document for these periods.

    capacity: optional {resource: [hours per period]} from the cycle's capacity actuals
    (reviews.selectors.capacity_by_month); without it, each resource's catalog capacity.
    Demand, initial inventory/backlog and scheduled receipts come from reviews' selectors.
    """
    prices = family_prices(periods)
    opt_prices = option_prices(periods)
    families = []
    for f in m.ProductFamily.objects.filter(active=True).order_by("code"):
        item = {
            "code": f.code, "price": _per_period(prices[f.code]), "material_cost": float(f.material_cost),
            "holding_cost": float(f.holding_cost), "min_ending_inventory": float(f.min_ending_inventory),
            "max_production": _num(f.max_production), "safety_stock": float(f.safety_stock),
            "safety_stock_shortfall_cost": _num(f.safety_stock_shortfall_cost),
            "subcontract": None if f.subcontract_cost is None else {"cost": float(f.subcontract_cost), "capacity": _num(f.subcontract_capacity)},
        }
        if f.unit_value is not None:
            item["unit_value"] = float(f.unit_value)
        families.append(item)
    channels = [
        {"code": c.code, "backlog_cost": _num(c.backlog_cost), "lost_sale_cost": _num(c.lost_sale_cost),
         "max_ending_backlog": _num(c.max_ending_backlog), "min_fill_rate": float(c.min_fill_rate)}
        for c in m.Channel.objects.order_by("priority", "code")
    ]
    resources = []
    for r in m.Resource.objects.order_by("code"):
        item = {"code": r.code, "regular_cost_per_hour": float(r.regular_cost_per_hour)}
        if r.kind == m.ResourceKind.WORKFORCE:
            item["workforce"] = {
                "initial": float(r.workforce_initial), "hours_per_worker": float(r.hours_per_worker),
                "cost_per_worker": float(r.cost_per_worker or 0), "hire_cost": float(r.hire_cost or 0),
                "layoff_cost": float(r.layoff_cost or 0), "min": float(r.workforce_min or 0),
                "max": _num(r.workforce_max), "integer": r.workforce_integer,
            }
            if r.overtime_cost_per_hour is not None:
                item["overtime"] = {"cost_per_hour": float(r.overtime_cost_per_hour),
                                    "max_hours_per_worker": float(r.overtime_max_hours_per_worker or 0)}
        else:
            given = (capacity or {}).get(r.code)
            item["capacity"] = given if given is not None else float(r.capacity_hours)
            if r.overtime_cost_per_hour is not None:
                item["overtime"] = {"cost_per_hour": float(r.overtime_cost_per_hour), "max_hours": float(r.overtime_max_hours or 0)}
        resources.append(item)
    routings = [
        {"family": fam, "resource": res, "hours_per_unit": float(h)}
        for fam, res, h in m.Routing.objects.filter(family__active=True).order_by("family__code", "resource__code")
        .values_list("family__code", "resource__code", "hours_per_unit")
    ]
    components = []
    options = Prefetch("supply_options", queryset=m.SupplyOption.objects.order_by("sequence", "code"))
    for k in m.Component.objects.prefetch_related(options).order_by("code"):
        components.append({
            "code": k.code, "holding_cost": float(k.holding_cost),
            "supply_options": [
                {"code": o.code, "price": _per_period(opt_prices[(k.code, o.code)]), "lead_time": o.lead_time,
                 "capacity": _num(o.capacity), "moq": float(o.moq), "order_cost": float(o.order_cost)}
                for o in k.supply_options.all()
            ],
        })
    bom = [
        {"family": fam, "component": comp, "quantity_per_unit": float(q)}
        for fam, comp, q in m.BomLine.objects.filter(family__active=True).order_by("family__code", "component__code")
        .values_list("family__code", "component__code", "quantity_per_unit")
    ]
    return {"families": families, "channels": channels, "resources": resources, "routings": routings,
            "components": components, "bom": bom}


def channel_prices(periods: list[str]) -> dict[tuple[str, str], list[Decimal]]:
    """{(family, channel): [price per period]} = family list price x the channel's price factor
    (the demand lines' `price`)."""
    prices = family_prices(periods)
    channels = list(m.Channel.objects.all())
    return {(fam, c.code): [p * c.price_factor for p in values] for fam, values in prices.items() for c in channels}
