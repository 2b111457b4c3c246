"""Reads of step 1's data for pages, the API and the later steps (demand review, the
optimizer's problem builder, finance reconciliation). Quantities come back as Decimal;
periods as "YYYY-MM" labels; codes, not ids. Every function runs a fixed number of queries.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum

from catalog.models import BudgetLine
from cycles.models import Cycle
from reviews.imports.kinds import KINDS
from reviews.models import (
    Booking,
    CapacityActual,
    ComponentSupply,
    Finding,
    FindingStatus,
    ImportBatch,
    InventoryActual,
    OpenOrder,
    Severity,
    Shipment,
)

ZERO = Decimal("0")


def label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def history_window(cycle: Cycle, months: int = 24) -> tuple[dt.date, dt.date]:
    """The `months` closed months before the cycle's month: (first, last), first days."""
    return add_months(cycle.start_month, -months), add_months(cycle.start_month, -1)


def monthly_history(
    *, measure: str = "shipments", start: dt.date | None = None, end: dt.date | None = None,
    families: list[str] | None = None,
) -> list[dict]:
    """Units and revenue per family x channel x month (SKU rows rolled up to their family).

    Returns [{"family": code, "channel": code, "period": "YYYY-MM", "quantity": Decimal,
    "revenue": Decimal}, ...] ordered by family, channel, period. Rows of SKUs without a family
    are left out (a data-quality finding names them). measure: "shipments" or "bookings".
    """
    model = {"shipments": Shipment, "bookings": Booking}[measure]
    qs = model.objects.filter(family__isnull=False)
    if start:
        qs = qs.filter(period__gte=start)
    if end:
        qs = qs.filter(period__lte=end)
    if families:
        qs = qs.filter(family__code__in=families)
    rows = (
        qs.values(fam=F("family__code"), chan=F("channel__code"), month=F("period"))
        .annotate(quantity=Sum("quantity"), revenue=Sum("revenue"))
        .order_by("fam", "chan", "month")
    )
    return [
        {"family": r["fam"], "channel": r["chan"], "period": label(r["month"]), "quantity": r["quantity"], "revenue": r["revenue"]}
        for r in rows
    ]


def latest_inventory(cycle: Cycle) -> dict[str, Decimal]:
    """Finished goods on hand per family at the latest month the cycle's inventory file gives
    (the problem's `initial_inventory`)."""
    latest = InventoryActual.objects.filter(cycle=cycle).aggregate(m=Max("period"))["m"]
    if latest is None:
        return {}
    return dict(InventoryActual.objects.filter(cycle=cycle, period=latest).values_list("family__code", "on_hand"))


def inventory_rows(cycle: Cycle) -> list[dict]:
    return [
        {"family": f, "period": label(p), "on_hand": o, "receipts": r, "value": v}
        for f, p, o, r, v in InventoryActual.objects.filter(cycle=cycle)
        .order_by("family__code", "period").values_list("family__code", "period", "on_hand", "receipts", "value")
    ]


def capacity_by_month(cycle: Cycle) -> dict[str, dict[str, dict]]:
    """{resource: {"YYYY-MM": {"hours": Decimal|None, "workers": Decimal|None}}} from the
    cycle's capacity file; months without a row fall back to the catalog's capacity."""
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for code, period, hours, workers in CapacityActual.objects.filter(cycle=cycle).values_list(
        "resource__code", "period", "hours", "workers"
    ):
        out[code][label(period)] = {"hours": hours, "workers": workers}
    return dict(out)


def component_supply(cycle: Cycle) -> dict[str, dict]:
    """{component: {"on_hand": Decimal (at the start of the cycle's first month, else the
    earliest month given), "receipts": {"YYYY-MM": Decimal}}} (problem: initial_inventory and
    scheduled_receipts)."""
    out: dict[str, dict] = {}
    for code, period, on_hand, receipts in ComponentSupply.objects.filter(cycle=cycle).order_by(
        "component__code", "period"
    ).values_list("component__code", "period", "on_hand", "receipts"):
        entry = out.setdefault(code, {"on_hand": None, "receipts": {}})
        if on_hand is not None and (entry["on_hand"] is None or period <= cycle.start_month):
            entry["on_hand"] = on_hand
        if receipts:
            entry["receipts"][label(period)] = receipts
    for entry in out.values():
        entry["on_hand"] = entry["on_hand"] if entry["on_hand"] is not None else ZERO
    return out


def open_orders(cycle: Cycle) -> list[dict]:
    """Open orders per family x channel x due month: [{"family", "channel", "period",
    "quantity", "value", "past_due"}]; past_due rows (due before the cycle) are the backlog."""
    return [
        {"family": f, "channel": c, "period": label(p), "quantity": q, "value": v, "past_due": p < cycle.start_month}
        for f, c, p, q, v in OpenOrder.objects.filter(cycle=cycle).order_by("family__code", "channel__code", "period")
        .values_list("family__code", "channel__code", "period", "quantity", "value")
    ]


def initial_backlog(cycle: Cycle) -> dict[str, dict[str, Decimal]]:
    """{family: {channel: units}} owed before the cycle's first month (problem: initial_backlog)."""
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        OpenOrder.objects.filter(cycle=cycle, period__lt=cycle.start_month)
        .values("family__code", "channel__code").annotate(q=Sum("quantity"))
    )
    for r in rows:
        out[r["family__code"]][r["channel__code"]] = r["q"]
    return dict(out)


def budget(*, start: dt.date, end: dt.date) -> list[dict]:
    """Budget (AOP) per family x month between start and end (first days, inclusive):
    [{"family", "period", "units", "revenue", "margin", "inventory_value"}]."""
    return [
        {"family": f, "period": label(m), "units": u, "revenue": r, "margin": g, "inventory_value": v}
        for f, m, u, r, g, v in BudgetLine.objects.filter(month__gte=start, month__lte=end)
        .order_by("family__code", "month")
        .values_list("family__code", "month", "units", "revenue", "margin", "inventory_value")
    ]


# --- step 1 pages -------------------------------------------------------------------------------


def batches(*, cycle: Cycle | None = None, kind: str | None = None) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.select_related("cycle", "actor", "duplicate_of").order_by("-created_at", "-id")
    if cycle is not None:
        qs = qs.filter(Q(cycle=cycle) | Q(cycle__isnull=True))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def findings(cycle: Cycle, *, include_resolved: bool = False) -> QuerySet[Finding]:
    qs = Finding.objects.filter(cycle=cycle).select_related("waived_by")
    if not include_resolved:
        qs = qs.exclude(status=FindingStatus.RESOLVED)
    return qs.order_by("status", "severity", "check_code", "subject")


def open_blocking(cycle: Cycle) -> QuerySet[Finding]:
    return Finding.objects.filter(cycle=cycle, severity=Severity.BLOCKING, status=FindingStatus.OPEN).order_by("check_code", "subject")


def finding_counts(cycle: Cycle) -> dict[str, int]:
    c = Finding.objects.filter(cycle=cycle).aggregate(
        blocking=Count("id", filter=Q(severity=Severity.BLOCKING, status=FindingStatus.OPEN)),
        warnings=Count("id", filter=Q(severity=Severity.WARNING, status=FindingStatus.OPEN)),
        waived=Count("id", filter=Q(status=FindingStatus.WAIVED)),
    )
    return {k: v or 0 for k, v in c.items()}


def actuals_summary(cycle: Cycle) -> list[dict]:
    """Rows held per actuals kind for the cycle (history kinds: in the 24-month window)."""
    first, last = history_window(cycle)
    out = []
    for kind, model, flt in (
        ("shipments", Shipment, Q(period__gte=first, period__lte=last)),
        ("bookings", Booking, Q(period__gte=first, period__lte=last)),
        ("inventory", InventoryActual, Q(cycle=cycle)),
        ("open_orders", OpenOrder, Q(cycle=cycle)),
        ("capacity", CapacityActual, Q(cycle=cycle)),
        ("component_supply", ComponentSupply, Q(cycle=cycle)),
    ):
        agg = model.objects.filter(flt).aggregate(n=Count("id"), first=Min("period"), last=Max("period"))
        out.append({"kind": kind, "label": KINDS[kind].label, "rows": agg["n"], "first": label(agg["first"]) if agg["first"] else "",
                    "last": label(agg["last"]) if agg["last"] else ""})
    return out



# Step 2, the demand review (reviews/demand/): the reads later steps call, under the names the
# optimizer's problem builder looks for.
from reviews.demand.selectors import (  # noqa: E402,F401
    accuracy_summary,
    baseline_demand,
    consensus_demand,
    suggested_safety_stock,
)
