"""Data-quality checks of step 1 and the waivers of their findings.

Checks run after every actuals import (for the cycle it belongs to, or every open cycle for
history pushed without one) and on demand. Each finding is blocking or a warning; the
process owner cannot sign off data gathering while a blocking finding is open, unless they
waive it with a comment (recorded in the history). Re-running resolves findings that are gone
and keeps the waiver of one still there (same fingerprint).
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from catalog.models import Resource, ResourceKind, Sku
from cycles.choices import CycleStatus, StepKind
from cycles.models import Cycle, Step
from cycles.services import event_record
from reviews import selectors
from reviews.models import (
    Booking,
    CapacityActual,
    Finding,
    FindingStatus,
    InventoryActual,
    Severity,
    Shipment,
)
from sop.errors import ApplicationError, PermissionDeniedError
from sop.roles import Role, user_roles

#: A gap this many months before the cycle (or closer) blocks: last month's data has not arrived.
RECENT_MONTHS = 3
#: Robust z-score (0.6745 (r - median) / MAD of the log-ratios to neighbours) above which a month is an outlier.
OUTLIER_Z = 5.0
#: ... and at least this far (as a share) from its neighbours' median.
MIN_OUTLIER_SHIFT = 0.3
#: Inventory that misses the roll-forward by more than this share (and a unit) is flagged.
RECONCILE_TOLERANCE = Decimal("0.02")


@dataclass
class Found:
    check: str
    severity: str
    subject: str
    message: str
    details: dict = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return f"{self.check}:{self.subject}"[:200]


def _months(first, last) -> list:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = selectors.add_months(day, 1)
    return out


def check_missing_months(cycle: Cycle) -> list[Found]:
    first, last = selectors.history_window(cycle)
    months = _months(first, last)
    seen: dict[tuple[str, str], set] = defaultdict(set)
    for fam, chan, period in (
        Shipment.objects.filter(period__gte=first, period__lte=last, family__isnull=False)
        .values_list("family__code", "channel__code", "period").distinct()
    ):
        seen[(fam, chan)].add(period)
    out = []
    recent = set(months[-RECENT_MONTHS:])
    for (fam, chan), have in sorted(seen.items()):
        # Only months after the pair's first shipment count: a new product has no older history.
        start = min(have)
        missing = [m for m in months if m >= start and m not in have]
        if not missing:
            continue
        blocking = bool(recent & set(missing))
        labels = [selectors.label(m) for m in missing]
        out.append(Found(
            "missing_months", Severity.BLOCKING if blocking else Severity.WARNING, f"{fam}/{chan}",
            f"Family {fam} has no shipments through {chan} in {', '.join(labels[:6])}"
            + (f" and {len(labels) - 6} more months" if len(labels) > 6 else "")
            + (" (recent: last month's data may not have arrived)." if blocking else "."),
            {"family": fam, "channel": chan, "months": labels},
        ))
    return out


def check_skus_without_family(cycle: Cycle) -> list[Found]:
    first, last = selectors.history_window(cycle)
    orphans = list(Sku.objects.filter(family__isnull=True).values_list("id", "code"))
    if not orphans:
        return []
    ids = [i for i, _ in orphans]
    units = dict(
        Shipment.objects.filter(sku_id__in=ids, period__gte=first, period__lte=last)
        .values_list("sku_id").annotate(q=Sum("quantity")).values_list("sku_id", "q")
    )
    booked = set(Booking.objects.filter(sku_id__in=ids, period__gte=first).values_list("sku_id", flat=True).distinct())
    out = []
    for sku_id, code in orphans:
        shipped = units.get(sku_id)
        has_history = bool(shipped) or sku_id in booked
        out.append(Found(
            "sku_without_family", Severity.BLOCKING if has_history else Severity.WARNING, code,
            f"SKU {code} has no family"
            + (f": its {shipped:,.0f} units shipped in the window roll up to no family." if shipped else
               ": its bookings roll up to no family." if has_history else "; assign one before it sells."),
            {"sku": code, "units": str(shipped or 0)},
        ))
    return out


def check_outliers(cycle: Cycle) -> list[Found]:
    """Months far from their neighbours: the robust z-score (median and MAD) of each month's
    log-ratio to the median of the five months around it, within its family x channel series.
    Comparing with neighbours keeps trend and seasonality from looking like outliers."""
    import math

    first, last = selectors.history_window(cycle)
    series: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in selectors.monthly_history(start=first, end=last):
        series[(row["family"], row["channel"])].append((row["period"], float(row["quantity"])))
    out = []
    for (fam, chan), points in sorted(series.items()):
        if len(points) < 8:
            continue
        values = [max(v, 1.0) for _, v in points]
        ratios = []
        for i, v in enumerate(values):
            around = values[max(0, i - 2): i] + values[i + 1: i + 3]
            ratios.append(math.log(v / statistics.median(around)))
        centre = statistics.median(ratios)
        mad = statistics.median(abs(r - centre) for r in ratios)
        if mad == 0:
            continue
        for (period, value), ratio in zip(points, ratios, strict=True):
            z = 0.6745 * (ratio - centre) / mad
            usual = value / math.exp(ratio)
            if abs(z) > OUTLIER_Z and abs(value / usual - 1) > MIN_OUTLIER_SHIFT:
                out.append(Found(
                    "outlier", Severity.WARNING, f"{fam}/{chan}/{period}",
                    f"{fam} through {chan} shipped {value:,.0f} units in {period}, against about {usual:,.0f} in the "
                    f"months around it (robust z-score {z:+.1f}); check the file or explain it.",
                    {"family": fam, "channel": chan, "period": period, "quantity": value, "around": round(usual, 1), "z": round(z, 2)},
                ))
    return out


def check_zero_revenue(cycle: Cycle) -> list[Found]:
    first, last = selectors.history_window(cycle)
    rows = (
        Shipment.objects.filter(period__gte=first, period__lte=last, quantity__gt=0, revenue__lte=0)
        .values("family__code", "channel__code", "period").annotate(q=Sum("quantity"), n=Count("id"))
        .order_by("period", "family__code", "channel__code")
    )
    out = []
    for r in rows:
        fam, chan, period = r["family__code"] or "(no family)", r["channel__code"], selectors.label(r["period"])
        out.append(Found(
            "zero_revenue", Severity.BLOCKING, f"{fam}/{chan}/{period}",
            f"{fam} through {chan} in {period}: {r['q']:,.0f} units shipped with no revenue ({r['n']} row{'s' if r['n'] != 1 else ''}); "
            "the price history would be wrong (fix the file, or waive if they were free).",
            {"family": fam, "channel": chan, "period": period, "quantity": str(r["q"]), "rows": r["n"]},
        ))
    return out


def check_inventory_reconciles(cycle: Cycle) -> list[Found]:
    rows = list(InventoryActual.objects.filter(cycle=cycle).order_by("family_id", "period")
                .values_list("family_id", "family__code", "period", "on_hand", "receipts"))
    if not rows:
        return []
    shipped = defaultdict(Decimal)
    for fam_id, period, qty in (
        Shipment.objects.filter(family_id__in={r[0] for r in rows}, period__gte=rows[0][2] if rows else None)
        .values_list("family_id", "period").annotate(q=Sum("quantity")).values_list("family_id", "period", "q")
    ):
        shipped[(fam_id, period)] += qty
    out = []
    previous: dict[int, tuple] = {}
    for fam_id, code, period, on_hand, receipts in rows:
        before = previous.get(fam_id)
        previous[fam_id] = (period, on_hand)
        if before is None or receipts is None or selectors.add_months(before[0], 1) != period:
            continue
        expected = before[1] + receipts - shipped[(fam_id, period)]
        gap = on_hand - expected
        if abs(gap) > max(Decimal(1), RECONCILE_TOLERANCE * max(abs(on_hand), abs(expected))):
            out.append(Found(
                "inventory_reconciliation", Severity.WARNING, f"{code}/{selectors.label(period)}",
                f"Inventory of {code} at the end of {selectors.label(period)} is {on_hand:,.0f}, but "
                f"{before[1]:,.0f} on hand + {receipts:,.0f} received - {shipped[(fam_id, period)]:,.0f} shipped "
                f"= {expected:,.0f} (off by {gap:+,.0f}).",
                {"family": code, "period": selectors.label(period), "on_hand": str(on_hand), "expected": str(expected)},
            ))
    return out


def check_capacity_horizon(cycle: Cycle) -> list[Found]:
    horizon = [selectors.add_months(cycle.start_month, i) for i in range(cycle.horizon_months)]
    have: dict[int, set] = defaultdict(set)
    for rid, period in CapacityActual.objects.filter(cycle=cycle).values_list("resource_id", "period"):
        have[rid].add(period)
    out = []
    for res in Resource.objects.order_by("code"):
        missing = [m for m in horizon if m not in have[res.pk]]
        if not missing:
            continue
        if res.kind == ResourceKind.WORKFORCE and res.hours_per_worker is not None:
            continue  # the plan decides the workforce; no file needed
        fallback = res.capacity_hours is not None
        labels = [selectors.label(m) for m in missing]
        out.append(Found(
            "capacity_missing", Severity.WARNING if fallback else Severity.BLOCKING, res.code,
            f"No capacity given for {res.code} in {len(labels)} of the {len(horizon)} horizon months "
            f"({labels[0]}..{labels[-1]})"
            + (f"; the plan uses the catalog's {res.capacity_hours:,.0f} h/month." if fallback else "; the plan has none."),
            {"resource": res.code, "months": labels},
        ))
    return out


CHECKS = (
    check_missing_months, check_skus_without_family, check_outliers, check_zero_revenue,
    check_inventory_reconciles, check_capacity_horizon,
)


def _step(cycle: Cycle) -> Step | None:
    return Step.objects.filter(cycle=cycle, kind=StepKind.DATA_GATHERING).first()


@transaction.atomic
def checks_run(*, cycle: Cycle, actor=None, reason: str = "") -> dict:
    """Runs every check for the cycle and reconciles the stored findings; returns the counts."""
    found: dict[str, Found] = {}
    for check in CHECKS:
        for item in check(cycle):
            found.setdefault(item.fingerprint, item)
    existing = {f.fingerprint: f for f in Finding.objects.select_for_update().filter(cycle=cycle)}
    now = timezone.now()
    new = resolved = reopened = 0
    for fp, item in found.items():
        old = existing.get(fp)
        if old is None:
            Finding.objects.create(cycle=cycle, check_code=item.check, severity=item.severity, fingerprint=fp,
                                   subject=item.subject[:200], message=item.message, details=item.details, found_at=now)
            new += 1
            continue
        fields = {"severity": item.severity, "message": item.message, "details": item.details}
        if old.status == FindingStatus.RESOLVED:
            fields.update(status=FindingStatus.OPEN, resolved_at=None, waived_by=None, waived_at=None, waive_comment="")
            reopened += 1
        Finding.objects.filter(pk=old.pk).update(**fields)
    gone = [f.pk for fp, f in existing.items() if fp not in found and f.status != FindingStatus.RESOLVED]
    if gone:
        Finding.objects.filter(pk__in=gone).update(status=FindingStatus.RESOLVED, resolved_at=now)
        resolved = len(gone)
    counts = selectors.finding_counts(cycle)
    summary = {**counts, "new": new, "resolved": resolved, "reopened": reopened}
    if new or resolved or reopened or reason == "on demand":
        event_record(actor=actor, verb="quality.checked", cycle=cycle, step=_step(cycle), object_type="reviews.finding",
                     object_repr=f"Data-quality checks of {cycle.label}", after=summary, comment=reason)
    return summary


def checks_after_import(*, batch) -> None:
    """Re-runs the checks of the batch's cycle, or of every open cycle for history pushed without one."""
    cycles = [batch.cycle] if batch.cycle_id else list(Cycle.objects.filter(status=CycleStatus.OPEN))
    for cycle in cycles:
        checks_run(cycle=cycle, actor=batch.actor, reason=f"after import #{batch.pk} ({batch.kind})")


@transaction.atomic
def finding_waive(*, actor, finding: Finding, comment: str) -> Finding:
    """The process owner accepts a finding with a written reason; recorded in the history."""
    if Role.PROCESS_OWNER not in user_roles(actor):
        raise PermissionDeniedError("Only the process owner waives a data-quality finding.")
    comment = (comment or "").strip()
    if not comment:
        raise ApplicationError("Waiving a finding needs a comment saying why it is acceptable.", {"comment": "required"})
    finding = Finding.objects.select_for_update().select_related("cycle").get(pk=finding.pk)
    if finding.status != FindingStatus.OPEN:
        raise ApplicationError(f"This finding is {finding.get_status_display().lower()}; only an open finding can be waived.")
    Finding.objects.filter(pk=finding.pk).update(
        status=FindingStatus.WAIVED, waived_by=actor, waived_at=timezone.now(), waive_comment=comment
    )
    event_record(actor=actor, verb="quality.waived", cycle=finding.cycle, step=_step(finding.cycle), obj=finding,
                 object_repr=finding.message[:255], before={"status": "open", "severity": finding.severity},
                 after={"status": "waived", "check": finding.check_code, "subject": finding.subject}, comment=comment)
    finding.refresh_from_db()
    return finding


def sign_guard(*, step, actor, role) -> None:
    """Step 1 cannot be signed off while a blocking finding is open (cycles.hooks sign guard)."""
    blocking = list(selectors.open_blocking(step.cycle)[:3])
    if not blocking:
        return
    count = selectors.open_blocking(step.cycle).count()
    first = "; ".join(f.message for f in blocking)
    raise ApplicationError(
        f"{count} blocking data-quality finding{'s are' if count != 1 else ' is'} open: {first}"
        + (" ..." if count > len(blocking) else "")
        + " Fix the data, or waive each finding with a comment.",
        {"blocking_findings": count},
    )
