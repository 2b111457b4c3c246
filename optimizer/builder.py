"""The problem builder: the only place that knows both the database and the problem format.

``build_problem(cycle=...)`` reads the catalog (families, channels, resources, routings,
components with their supply options and price schedules, BOM) and the cycle's data (initial
inventory, open orders and backlog, capacity for the horizon, component on-hand and
receipts) and the cycle's demand, and returns a ``sop-problem/1`` document over the cycle's
horizon, with the demand source named.

Demand, first found wins (the run says which one was used):

1. the consensus demand plan of the cycle (step 2), when ``reviews.selectors`` provides
   ``consensus_demand(cycle)``;
2. the latest statistical baseline forecast, when it provides ``baseline_demand(cycle)``;
3. the budget (AOP) units of each family and month, split over channels by the family's
   channel mix of shipments in the 12 months before the cycle (the overall mix for a family
   without history, equal shares without any history); months of the horizon after the
   AOP's last month repeat the budget of the same month a year before.

Both selectors return rows ``{"family", "channel", "period": "YYYY-MM", "quantity"}``
(``price`` optional). Firm open orders due in the horizon are a floor of demand in their month.
Prices are the family list price (with its price changes) times the channel's price factor.
Past-due open orders are the initial backlog of channels that take backlog; on channels that
take none they are added to the first month's demand.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings

from catalog import selectors as catalog_selectors
from catalog.models import Channel, ProductFamily
from cycles.models import Cycle
from optimizer.services import BuiltProblem
from reviews import selectors as review_selectors
from sop.errors import ApplicationError

FORMAT = "sop-problem/1"


def _f(value: Any) -> float:
    return float(value or 0)


def _round(x: float) -> float:
    return float(round(x, 6))


def _demand_rows(cycle: Cycle, periods: list[str], channels: list[str]) -> tuple[list[dict], str]:
    """(rows, source): the cycle's demand, first source found."""
    for name, label in (("consensus_demand", "consensus demand plan"),
                        ("baseline_demand", "statistical baseline forecast")):
        reader = getattr(review_selectors, name, None)
        if reader is None:
            continue
        rows = list(reader(cycle) or [])
        if rows:
            return rows, f"{label} of cycle {cycle.label}"
    return _budget_demand(cycle, periods, channels), (
        "budget (AOP) units split by last year's channel mix (months after the AOP repeat it a year on)")


def _budget_demand(cycle: Cycle, periods: list[str], channels: list[str]) -> list[dict]:
    first = cycle.start_month
    last = review_selectors.add_months(first, len(periods) - 1)
    lines = review_selectors.budget(start=first, end=last)
    if not lines:
        return []
    mix_start = review_selectors.add_months(first, -12)
    history = review_selectors.monthly_history(measure="shipments", start=mix_start,
                                               end=review_selectors.add_months(first, -1))
    by_family: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    overall: dict[str, float] = defaultdict(float)
    for row in history:
        if row["channel"] in channels:
            by_family[row["family"]][row["channel"]] += _f(row["quantity"])
            overall[row["channel"]] += _f(row["quantity"])

    def shares(family: str) -> dict[str, float]:
        mix = by_family.get(family) or overall
        total = sum(mix.values())
        if total <= 0:
            return {c: 1 / len(channels) for c in channels}
        return {c: mix.get(c, 0.0) / total for c in channels}

    units: dict[tuple[str, str], float] = {(line["family"], line["period"]): _f(line["units"]) for line in lines}
    # An AOP covers a fiscal year; months after it repeat the budget of the same month a year before.
    for family in sorted({f for f, _ in units}):
        for t, period in enumerate(periods):
            if (family, period) not in units and t >= 12 and (family, periods[t - 12]) in units:
                units[(family, period)] = units[(family, periods[t - 12])]
    out = []
    for (family, period), quantity in sorted(units.items()):
        for channel, share in shares(family).items():
            if share > 0 and quantity > 0:
                out.append({"family": family, "channel": channel, "period": period,
                            "quantity": _round(quantity * share)})
    return out


def _capacity(cycle: Cycle, periods: list[str]) -> tuple[dict[str, list[float]], dict[str, float]]:
    """({fixed resource: hours per period}, {workforce resource: workers at the start})."""
    from catalog.models import Resource, ResourceKind

    given = review_selectors.capacity_by_month(cycle)
    hours: dict[str, list[float]] = {}
    workers: dict[str, float] = {}
    for res in Resource.objects.all():
        months = given.get(res.code) or {}
        if res.kind == ResourceKind.WORKFORCE:
            first = months.get(periods[0]) or {}
            if first.get("workers") is not None:
                workers[res.code] = float(first["workers"])
            continue
        default = _f(res.capacity_hours)
        hours[res.code] = [
            float(months[p]["hours"]) if p in months and months[p].get("hours") is not None else default
            for p in periods
        ]
    return hours, workers


def build_problem(*, cycle: Cycle) -> BuiltProblem:
    """The cycle's problem document from the catalog and its data. Raises ApplicationError
    saying what is missing (no families, no demand)."""
    periods = cycle.periods
    if not ProductFamily.objects.filter(active=True).exists():
        raise ApplicationError("The catalog has no active product families yet: load the catalog "
                               "(or upload a base problem document to the scenario).")
    if not Channel.objects.exists():
        raise ApplicationError("The catalog has no channels yet: load the catalog.")
    hours, workers = _capacity(cycle, periods)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "name": f"Cycle {cycle.label} plan",
        "currency": getattr(settings, "SOP_CURRENCY", "USD"),
        "periods": periods,
        **catalog_selectors.problem_catalog(periods, capacity=hours),
    }
    for res in doc["resources"]:
        if res.get("workforce") and res["code"] in workers:
            res["workforce"]["initial"] = workers[res["code"]]
    families = {f["code"] for f in doc["families"]}
    channel_rules = {c["code"]: c for c in doc["channels"]}
    channels = list(channel_rules)
    index = {p: t for t, p in enumerate(periods)}

    # Demand: the source's quantities, floored by firm open orders due in the horizon.
    rows, source = _demand_rows(cycle, periods, channels)
    if not rows:
        raise ApplicationError(
            f"No demand for cycle {cycle.label}: no consensus plan, no baseline forecast and no budget for "
            f"{periods[0]}..{periods[-1]}. Load the budget or finish the demand review.")
    quantity: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in rows:
        key = (row["family"], row["channel"], row["period"])
        if key[0] in families and key[1] in channel_rules and key[2] in index:
            quantity[key] += _f(row["quantity"])
    firm: dict[tuple[str, str, str], float] = defaultdict(float)
    overdue: dict[tuple[str, str, str], float] = defaultdict(float)
    backlog: dict[str, dict[str, float]] = defaultdict(dict)
    for order in review_selectors.open_orders(cycle):
        if order["family"] not in families or order["channel"] not in channel_rules:
            continue
        if order["past_due"]:
            if channel_rules[order["channel"]].get("backlog_cost") is not None:
                owed = backlog[order["family"]]
                owed[order["channel"]] = owed.get(order["channel"], 0.0) + _f(order["quantity"])
            else:
                overdue[(order["family"], order["channel"], periods[0])] += _f(order["quantity"])
        elif order["period"] in index:
            firm[(order["family"], order["channel"], order["period"])] += _f(order["quantity"])
    for key, units in firm.items():
        quantity[key] = max(quantity.get(key, 0.0), units)
    for key, units in overdue.items():
        quantity[key] += units

    prices = catalog_selectors.channel_prices(periods)
    demand = []
    for (family, channel, period), units in sorted(quantity.items(), key=lambda kv: (kv[0][0], kv[0][1], index[kv[0][2]])):
        if units <= 0:
            continue
        price = prices.get((family, channel))
        line = {"family": family, "channel": channel, "period": period, "quantity": _round(units)}
        if price is not None:
            line["price"] = _round(float(price[index[period]]))
        demand.append(line)
    doc["demand"] = demand

    # Starting position: finished goods on hand, backlog owed, components on hand and on order.
    on_hand = review_selectors.latest_inventory(cycle)
    for fam in doc["families"]:
        if fam["code"] in on_hand:
            fam["initial_inventory"] = _f(on_hand[fam["code"]])
        if backlog.get(fam["code"]):
            fam["initial_backlog"] = {c: _round(q) for c, q in backlog[fam["code"]].items()}
    supply = review_selectors.component_supply(cycle)
    for comp in doc["components"]:
        entry = supply.get(comp["code"])
        if entry is None:
            continue
        comp["initial_inventory"] = _f(entry["on_hand"])
        receipts = entry["receipts"]
        if receipts:
            comp["scheduled_receipts"] = [_f(receipts.get(p, Decimal(0))) for p in periods]
    return BuiltProblem(document=doc, demand_source=source)
