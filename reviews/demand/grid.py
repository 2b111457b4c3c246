"""The planner grid: rows per family (grouped, with group and grand totals) x measure, columns
per month; and the chart series. A fixed number of queries whatever the catalog size.

Measures: history (shipments), statistical baseline, prior cycle's consensus, budget (AOP,
per family: shown when no channel is picked), net overrides, consensus (editable). Values are
units or revenue. A consensus cell carries the version the editor saw (its leaves' largest).
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from catalog.models import BudgetLine, Channel, ProductFamily
from cycles.models import Cycle
from reviews.demand import months
from reviews.demand.selectors import prior_cycle
from reviews.demand.services import Target
from reviews.models import BaselineForecast, ConsensusCell, DemandPlan, Override, Shipment

MEASURES: list[tuple[str, str]] = [
    ("consensus", "Consensus"),
    ("overrides", "Overrides"),
    ("baseline", "Baseline"),
    ("prior", "Prior plan"),
    ("budget", "Budget"),
    ("history", "History"),
]
UNGROUPED = "(no group)"
ZERO = Decimal(0)


def field(period: dt.date) -> str:
    return f"m{period.year:04d}{period.month:02d}"


def parse_field(name: str) -> dt.date:
    if len(name) != 7 or name[0] != "m" or not name[1:].isdigit():
        raise ValueError(f"{name!r} is not a month column")
    return dt.date(int(name[1:5]), int(name[5:7]), 1)


@dataclass
class View:
    """The grid's filters: family group, channel, units or revenue, months of history shown."""

    group: str | None = None
    channel: Channel | None = None
    measure: str = "units"
    history_months: int = 6

    @property
    def revenue(self) -> bool:
        return self.measure == "revenue"


def view_from(params, channels=None) -> View:
    """A View from query parameters (group, channel code, measure, history)."""
    group = (params.get("group") or "").strip() or None
    code = (params.get("channel") or "").strip()
    channel = None
    if code:
        channel = next((c for c in channels if c.code == code), None) if channels is not None else \
            Channel.objects.filter(code=code).first()
    measure = "revenue" if params.get("measure") == "revenue" else "units"
    try:
        history = max(0, min(24, int(params.get("history") or 6)))
    except ValueError:
        history = 6
    return View(group=group, channel=channel, measure=measure, history_months=history)


def _group_of(name: str) -> str:
    return name or UNGROUPED


class _Acc:
    """value[family][measure][period] -> [units, revenue]."""

    def __init__(self):
        self.data = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [ZERO, ZERO])))

    def add(self, family_id, measure, period, units, revenue):
        cell = self.data[family_id][measure][period]
        cell[0] += Decimal(units or 0)
        cell[1] += Decimal(revenue or 0)


def _columns(cycle: Cycle, view: View) -> tuple[list[dt.date], list[dt.date]]:
    start = months.month(cycle.start_month)
    past = [months.add(start, -i) for i in range(view.history_months, 0, -1)]
    return past, months.cycle_months(cycle)


def build(cycle: Cycle, view: View, *, editable: bool = False) -> dict:
    past, horizon = _columns(cycle, view)
    columns = past + horizon
    cells = ConsensusCell.objects.filter(cycle=cycle)
    if view.channel is not None:
        cells = cells.filter(channel=view.channel)
    cell_rows = list(cells.values_list("family_id", "period", "baseline", "quantity", "price", "revenue", "version"))
    family_ids = {r[0] for r in cell_rows}
    families = ProductFamily.objects.filter(pk__in=family_ids).order_by("group", "code")
    if view.group:
        families = families.filter(group="" if view.group == UNGROUPED else view.group)
    fams = list(families.values("pk", "code", "name", "group"))
    shown = {f["pk"] for f in fams}

    acc = _Acc()
    version: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for f, p, base, qty, price, rev, ver in cell_rows:
        if f not in shown:
            continue
        acc.add(f, "baseline", p, base, base * price)
        acc.add(f, "consensus", p, qty, rev)
        acc.add(f, "overrides", p, qty - base, rev - base * price)
        version[f][p] = max(version[f].get(p, 0), ver)

    flagged = Override.objects.filter(cycle=cycle, deleted_at__isnull=True, family_id__in=shown)
    if view.channel is not None:
        flagged = flagged.filter(channel=view.channel)
    has_override = {(f, p) for f, p, _ in flagged.values_list("family_id", "period").annotate(n=Count("id"))}

    shipped = Shipment.objects.filter(family_id__in=shown, period__gte=columns[0], period__lte=columns[-1])
    if view.channel is not None:
        shipped = shipped.filter(channel=view.channel)
    for f, p, units, rev in (shipped.values_list("family_id", "period").annotate(u=Sum("quantity"), r=Sum("revenue"))
                             .order_by()):
        acc.add(f, "history", months.month(p), units, rev)

    prior = prior_cycle(cycle)
    if prior is not None:
        prior_cells = ConsensusCell.objects.filter(cycle=prior, family_id__in=shown, period__in=columns)
        if view.channel is not None:
            prior_cells = prior_cells.filter(channel=view.channel)
        for f, p, units, rev in (prior_cells.values_list("family_id", "period")
                                 .annotate(u=Sum("quantity"), r=Sum("revenue")).order_by()):
            acc.add(f, "prior", p, units, rev)

    if view.channel is None:
        for f, p, units, rev in BudgetLine.objects.filter(family_id__in=shown, month__gte=columns[0],
                                                          month__lte=columns[-1]).values_list(
                "family_id", "month", "units", "revenue"):
            acc.add(f, "budget", months.month(p), units, rev)

    idx = 1 if view.revenue else 0
    horizon_set = set(horizon)
    plan_row = DemandPlan.objects.filter(cycle=cycle).values("revision", "frozen_at").first() or {}

    def row(row_id, level, key, label, group, measure, title, family_ids, code="", name=""):
        out = {"id": f"{row_id}:{measure}", "level": level, "key": key, "group": group, "code": code,
               "name": name or label, "measure": measure, "label": title,
               "editable": editable and measure == "consensus" and not view.revenue}
        for p in columns:
            total = ZERO
            present = False
            for f in family_ids:
                values = acc.data.get(f, {}).get(measure)
                if values is not None and p in values:
                    total += values[p][idx]
                    present = True
            if measure in ("baseline", "consensus", "overrides") and p not in horizon_set:
                present = False
            out[field(p)] = float(round(total, 2 if view.revenue else 0)) if present else None
            if measure == "consensus" and p in horizon_set:
                out["v" + field(p)[1:]] = max((version.get(f, {}).get(p, 0) for f in family_ids), default=0)
                if any((f, p) in has_override for f in family_ids):
                    out["o" + field(p)[1:]] = 1
        return out

    measures = MEASURES if view.channel is None else [m for m in MEASURES if m[0] != "budget"]
    titles = {m: (f"Prior {prior.label}" if prior else "Prior (none)") if m == "prior" else t for m, t in measures}
    rows = []
    all_ids = [f["pk"] for f in fams]
    for m, _ in measures:
        rows.append(row("t", "total", "total", "Total", "", m, titles[m], all_ids, name="All families"))
    groups: dict[str, list[dict]] = defaultdict(list)
    for f in fams:
        groups[_group_of(f["group"])].append(f)
    for g in sorted(groups):
        ids = [f["pk"] for f in groups[g]]
        for m, _ in measures:
            rows.append(row(f"g:{g}", "group", g, g, g, m, titles[m], ids, name=f"{g} (group)"))
        for f in groups[g]:
            for m, _ in measures:
                rows.append(row(f"f:{f['pk']}", "family", f["pk"], f["code"], g, m, titles[m], [f["pk"]],
                                code=f["code"], name=f["name"]))
    return {
        "cycle": {"id": cycle.pk, "label": cycle.label},
        "columns": [{"field": field(p), "period": months.label(p), "title": p.strftime("%b %y"),
                     "past": p not in horizon_set} for p in columns],
        "rows": rows,
        "measure": view.measure,
        "channel": view.channel.code if view.channel else "",
        "group": view.group or "",
        "revision": plan_row.get("revision", 0),
        "frozen": bool(plan_row.get("frozen_at")),
        "editable": editable and not view.revenue,
        "prior": prior.label if prior else None,
    }


def resolve_target(cycle: Cycle, view: View, *, level: str, key, period: dt.date, seen) -> Target:
    """The leaves behind a grid cell: a family, a group's families or all shown families, in the
    view's channel (or all channels)."""
    channel_ids = (view.channel.pk,) if view.channel is not None else None
    chan_label = view.channel.code if view.channel is not None else "all channels"
    families = ProductFamily.objects.all()
    if level == "family":
        fam = families.filter(pk=int(key)).values("pk", "code").first()
        if fam is None:
            raise ValueError(f"no family {key}")
        ids, label = (fam["pk"],), f"{fam['code']} · {chan_label}"
    elif level == "group":
        ids = tuple(families.filter(group="" if key == UNGROUPED else key).values_list("pk", flat=True))
        label = f"{key} (group) · {chan_label}"
    elif level == "total":
        if view.group:
            families = families.filter(group="" if view.group == UNGROUPED else view.group)
        ids = tuple(families.values_list("pk", flat=True))
        label = f"Total{' of ' + view.group if view.group else ''} · {chan_label}"
    else:
        raise ValueError(f"unknown row level {level!r}")
    return Target(period=period, family_ids=ids, channel_ids=channel_ids,
                  seen=None if seen in (None, "") else int(seen), label=label)


def chart(cycle: Cycle, *, family: ProductFamily | None = None, channel: Channel | None = None,
          history_months: int = 24) -> dict:
    """History, baseline with its 80 % interval, consensus, prior plan and budget for one family
    (or all), one channel (or all). Intervals of a sum: half-widths added in quadrature."""
    start = months.month(cycle.start_month)
    past = [months.add(start, -i) for i in range(history_months, 0, -1)]
    horizon = months.cycle_months(cycle)
    columns = past + horizon

    def scoped(qs, fam_field="family", chan_field="channel"):
        if family is not None:
            qs = qs.filter(**{fam_field: family})
        if channel is not None:
            qs = qs.filter(**{chan_field: channel})
        return qs

    series = {k: dict.fromkeys(columns) for k in ("history", "baseline", "lo", "hi", "consensus", "prior", "budget")}
    for p, units in scoped(Shipment.objects.filter(period__gte=columns[0], period__lte=columns[-1], family__isnull=False)
                           ).values_list("period").annotate(u=Sum("quantity")).order_by():
        p = months.month(p)
        series["history"][p] = float(units) + (series["history"][p] or 0)
    for p, units in scoped(ConsensusCell.objects.filter(cycle=cycle)).values_list("period").annotate(
            u=Sum("quantity")).order_by():
        series["consensus"][p] = float(units)
    run_id = DemandPlan.objects.filter(cycle=cycle).values_list("baseline_run_id", flat=True).first()
    if run_id:
        spread_lo: dict[dt.date, float] = defaultdict(float)
        spread_hi: dict[dt.date, float] = defaultdict(float)
        base: dict[dt.date, float] = defaultdict(float)
        for p, b, lo, hi in scoped(BaselineForecast.objects.filter(run_id=run_id)).values_list(
                "period", "quantity", "lo80", "hi80"):
            base[p] += float(b)
            spread_lo[p] += float(b - lo) ** 2
            spread_hi[p] += float(hi - b) ** 2
        for p, b in base.items():
            series["baseline"][p] = b
            series["lo"][p] = max(0.0, b - math.sqrt(spread_lo[p]))
            series["hi"][p] = b + math.sqrt(spread_hi[p])
    prior = prior_cycle(cycle)
    if prior is not None:
        for p, units in scoped(ConsensusCell.objects.filter(cycle=prior, period__in=columns)).values_list(
                "period").annotate(u=Sum("quantity")).order_by():
            series["prior"][p] = float(units)
    if channel is None:
        budget = BudgetLine.objects.filter(month__gte=columns[0], month__lte=columns[-1])
        if family is not None:
            budget = budget.filter(family=family)
        for p, units in budget.values_list("month").annotate(u=Sum("units")).order_by():
            series["budget"][months.month(p)] = float(units)
    return {
        "periods": [months.label(p) for p in columns],
        "first_horizon": months.label(start),
        "title": (family.code if family else "All families") + (f" · {channel.code}" if channel else ""),
        "prior": prior.label if prior else None,
        **{k: [v[p] for p in columns] for k, v in series.items()},
    }
