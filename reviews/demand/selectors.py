"""Reads of the demand review shared by pages, the API and other steps (no N+1).

Other steps call (re-exported by reviews.selectors):
- consensus_demand(cycle): the consensus rows the optimizer's problem builder reads;
- baseline_demand(cycle): the statistical baseline in the same rows (the builder's fallback);
- suggested_safety_stock(cycle): per family, the safety stock target and shortfall cost;
- accuracy_summary(cycle) (reviews.demand.accuracy): WAPE, bias and FVA for the KPI issue.
"""
from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet, Sum

from cycles.choices import CycleStatus
from cycles.models import Cycle
from reviews.demand import months
from reviews.models import (
    Assumption,
    BaselineForecast,
    ConsensusCell,
    DemandPlan,
    DemandUpload,
    ForecastRun,
    Override,
    SafetyStockSuggestion,
    UploadStatus,
)


def plan(cycle: Cycle) -> DemandPlan | None:
    return DemandPlan.objects.select_related("baseline_run", "frozen_by").filter(cycle=cycle).first()


def latest_run(cycle: Cycle) -> ForecastRun | None:
    return ForecastRun.objects.filter(cycle=cycle).order_by("-created_at", "-id").first()


def prior_cycle(cycle: Cycle) -> Cycle | None:
    """The latest earlier cycle (by start month) that has a consensus."""
    return (Cycle.objects.filter(start_month__lt=cycle.start_month).exclude(status=CycleStatus.CANCELLED)
            .filter(pk__in=ConsensusCell.objects.values("cycle_id")).order_by("-start_month", "-id").first())


def summary(cycle: Cycle) -> dict:
    """What the step page's panel shows: baseline status, counts, the freeze."""
    p = plan(cycle)
    run = latest_run(cycle)
    counts = Override.objects.filter(cycle=cycle, deleted_at__isnull=True).aggregate(
        overrides=Count("id"), cells=Count("period", distinct=True))
    totals = ConsensusCell.objects.filter(cycle=cycle).aggregate(
        units=Sum("quantity"), revenue=Sum("revenue"), baseline=Sum("baseline"),
        series=Count("family_id", distinct=True))
    return {
        "plan": p,
        "run": run,
        "overrides": counts["overrides"],
        "assumptions": Assumption.objects.filter(cycle=cycle).count(),
        "pending_uploads": DemandUpload.objects.filter(cycle=cycle, status=UploadStatus.PENDING).count(),
        "units": totals["units"] or Decimal(0),
        "baseline_units": totals["baseline"] or Decimal(0),
        "revenue": totals["revenue"] or Decimal(0),
        "families": totals["series"] or 0,
        "frozen": bool(p and p.is_frozen),
    }


def consensus_rows(cycle: Cycle, *, family: str | None = None, channel: str | None = None) -> QuerySet:
    qs = (ConsensusCell.objects.filter(cycle=cycle).select_related("family", "channel")
          .order_by("family__code", "channel__code", "period"))
    if family:
        qs = qs.filter(family__code=family)
    if channel:
        qs = qs.filter(channel__code=channel)
    return qs


def consensus_demand(cycle: Cycle) -> list[dict]:
    """The consensus per family x channel x month: what the optimizer's problem builder reads.

    [{"family": code, "channel": code, "period": "YYYY-MM", "quantity": float, "price": float}],
    ordered by family, channel, period. (Frozen once demand review is signed off.)
    """
    rows = (ConsensusCell.objects.filter(cycle=cycle)
            .values_list("family__code", "channel__code", "period", "quantity", "price")
            .order_by("family__code", "channel__code", "period"))
    return [{"family": f, "channel": c, "period": months.label(p), "quantity": float(qty), "price": float(price)}
            for f, c, p, qty, price in rows]


def baseline_demand(cycle: Cycle) -> list[dict]:
    """The statistical baseline the cycle uses, in the rows of consensus_demand (the fallback
    when the consensus is empty)."""
    run_id = DemandPlan.objects.filter(cycle=cycle).values_list("baseline_run_id", flat=True).first()
    if not run_id:
        return []
    prices = {(f, c, p): price for f, c, p, price in ConsensusCell.objects.filter(cycle=cycle).values_list(
        "family_id", "channel_id", "period", "price")}
    rows = (BaselineForecast.objects.filter(run_id=run_id)
            .values_list("family_id", "channel_id", "family__code", "channel__code", "period", "quantity")
            .order_by("family__code", "channel__code", "period"))
    return [{"family": fc, "channel": cc, "period": months.label(p), "quantity": float(qty),
             "price": float(prices.get((f, c, p), 0))} for f, c, fc, cc, p, qty in rows]


def suggested_safety_stock(cycle: Cycle) -> dict[str, tuple[float, float]]:
    """{family code: (safety stock target per period in units, shortfall cost per unit-month)}.

    From the cycle's baseline run: z(service level) x forecast error x sqrt(lead time), and the
    larger of the unit margin and the cost the service level implies (reviews.forecasting.safety_stock).
    """
    p = DemandPlan.objects.filter(cycle=cycle).values_list("baseline_run_id", flat=True).first()
    if not p:
        return {}
    rows = SafetyStockSuggestion.objects.filter(run_id=p).values_list("family__code", "safety_stock", "shortfall_cost")
    return {code: (float(stock), float(cost)) for code, stock, cost in rows}


def assumptions(cycle: Cycle | None = None) -> QuerySet[Assumption]:
    """The assumption register: each with its live overrides' count, months touched and effect."""
    qs = Assumption.objects.select_related("cycle", "owner", "created_by", "reviewed_by", "reviewed_in")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    live = Q(overrides__deleted_at__isnull=True)
    return qs.annotate(
        override_count=Count("overrides", filter=live),
        first_month=Min("overrides__period", filter=live),
        last_month=Max("overrides__period", filter=live),
    ).order_by("-cycle__start_month", "id")


def assumption_effects(assumption_ids) -> dict[int, dict]:
    """Per assumption: units added by its live overrides, and the cells and months they touch."""
    out: dict[int, dict] = {}
    rows = (Override.objects.filter(assumption_id__in=list(assumption_ids), deleted_at__isnull=True)
            .values_list("assumption_id", "family__code", "channel__code", "period", "quantity", "quantity_before"))
    for aid, fam, chan, period, qty, before in rows:
        d = out.setdefault(aid, {"effect": Decimal(0), "cells": set(), "months": set(), "families": set()})
        d["effect"] += qty - before
        d["cells"].add((fam, chan, period))
        d["months"].add(period)
        d["families"].add(fam)
    return out


def overrides(cycle: Cycle, *, include_deleted: bool = False) -> QuerySet[Override]:
    qs = Override.objects.filter(cycle=cycle).select_related("family", "channel", "assumption", "author", "deleted_by")
    if not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    return qs.order_by("family__code", "channel__code", "period", "sequence", "id")


def cell_overrides(cycle: Cycle, *, family_ids, channel_ids=None, period=None) -> list[Override]:
    qs = overrides(cycle, include_deleted=True).filter(family_id__in=list(family_ids))
    if channel_ids is not None:
        qs = qs.filter(channel_id__in=list(channel_ids))
    if period is not None:
        qs = qs.filter(period=period)
    return list(qs)


def uploads(cycle: Cycle) -> QuerySet[DemandUpload]:
    return DemandUpload.objects.filter(cycle=cycle).select_related("uploaded_by", "decided_by")


def runs(cycle: Cycle | None = None) -> QuerySet[ForecastRun]:
    qs = ForecastRun.objects.select_related("cycle", "created_by").prefetch_related(Prefetch("chunks"))
    return qs.filter(cycle=cycle) if cycle is not None else qs


def accuracy_summary(cycle: Cycle, **kwargs) -> dict:
    """WAPE, bias and FVA by family, channel and lag (reviews.demand.accuracy.accuracy_summary)."""
    from reviews.demand.accuracy import accuracy_summary as summary

    return summary(cycle, **kwargs)
