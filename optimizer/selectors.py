"""Reads the scenario and plan pages and the API share. Runs are read without their problem and
plan documents (large JSON) unless asked for; plan pages read the plan tables."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery, Sum

from cycles.choices import CycleStatus, StepKind, StepStatus
from cycles.models import Cycle, Step
from optimizer.choices import RunStatus
from optimizer.models import (
    PlanComponentPeriod,
    PlanFamilyChannelPeriod,
    PlanFamilyPeriod,
    PlanResourcePeriod,
    Scenario,
    SolveRun,
)
from sop.roles import Role, user_roles

HEAVY = ("problem", "plan")


def runs() -> QuerySet[SolveRun]:
    """Runs without their documents, with what the lists show."""
    return SolveRun.objects.defer(*HEAVY).select_related("scenario", "cycle", "created_by", "cancelled_by")


def run_light(run_id: int) -> SolveRun:
    return runs().get(pk=run_id)


def run_list(*, cycle: Cycle | None = None, scenario: Scenario | None = None, limit: int | None = None):
    qs = runs().order_by("-created_at", "-id")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if scenario is not None:
        qs = qs.filter(scenario=scenario)
    return qs[:limit] if limit else qs


def scenarios(*, cycle: Cycle | None = None) -> QuerySet[Scenario]:
    qs = Scenario.objects.select_related("cycle", "created_by").order_by("cycle__start_month", "name")
    return qs.filter(cycle=cycle) if cycle is not None else qs


def with_latest_runs(items: list[Scenario]) -> list[Scenario]:
    """Sets ``latest_run`` and ``latest_success`` on each scenario (two queries in all)."""
    ids = [s.pk for s in items]
    latest = (SolveRun.objects.filter(scenario=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1])
    success = (SolveRun.objects.filter(scenario=OuterRef("pk"), status=RunStatus.SUCCEEDED)
               .order_by("-created_at", "-id").values("pk")[:1])
    pairs = Scenario.objects.filter(pk__in=ids).annotate(latest=Subquery(latest), success=Subquery(success)) \
        .values_list("pk", "latest", "success")
    wanted = {pk: (a, b) for pk, a, b in pairs}
    by_id = runs().in_bulk({x for pair in wanted.values() for x in pair if x})
    for s in items:
        a, b = wanted.get(s.pk, (None, None))
        s.latest_run = by_id.get(a)
        s.latest_success = by_id.get(b)
    return items


def current_cycle() -> Cycle | None:
    qs = Cycle.objects.order_by("-start_month", "-id")
    return qs.filter(status=CycleStatus.OPEN).first() or qs.first()


def latest_run(*, cycle: Cycle, succeeded: bool = False) -> SolveRun | None:
    qs = run_list(cycle=cycle)
    if succeeded:
        qs = qs.filter(status=RunStatus.SUCCEEDED)
    return qs.first()


def compare(run_list_: list[SolveRun]) -> dict[str, Any]:
    """KPIs of several runs in one table: rows are KPIs, columns runs (pre-S&OP)."""
    channels: list[str] = []
    for run in run_list_:
        for channel in (run.kpis or {}).get("service") or {}:
            if channel not in channels:
                channels.append(channel)
    cost_keys: list[str] = []
    for run in run_list_:
        for key in (run.kpis or {}).get("costs") or {}:
            if key not in cost_keys:
                cost_keys.append(key)
    first = (run_list_[0].kpis or {}).get("profit") if run_list_ else None
    for run in run_list_:
        profit = (run.kpis or {}).get("profit")
        run.profit_vs_first = None if first is None or profit is None else profit - first
    return {"runs": run_list_, "channels": channels, "cost_keys": cost_keys}


def runs_by_ids(ids: list[int]) -> list[SolveRun]:
    found = runs().in_bulk(ids)
    return [found[i] for i in ids if i in found]


# --- plan tables -------------------------------------------------------------------------------

def period_totals(run: SolveRun) -> list[dict[str, Any]]:
    """Per period: production, subcontract, inventory, demand, shipments, backlog, lost, revenue."""
    fields = ("production", "subcontract", "inventory", "inventory_value", "demand", "shipments", "backlog",
              "lost", "revenue")
    return list(
        PlanFamilyPeriod.objects.filter(run=run).values("period_index", "period")
        .annotate(**{f: Sum(f) for f in fields}).order_by("period_index")
    )


def channel_periods(run: SolveRun) -> dict[str, list[dict[str, Any]]]:
    rows = (PlanFamilyChannelPeriod.objects.filter(run=run).values("channel", "period_index", "period")
            .annotate(demand=Sum("demand"), shipments=Sum("shipments"), backlog=Sum("backlog"), lost=Sum("lost"),
                      revenue=Sum("revenue")).order_by("channel", "period_index"))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row["channel"]].append(row)
    return dict(out)


def family_summary(run: SolveRun, *, limit: int = 200) -> list[dict[str, Any]]:
    """Per family over the horizon, largest revenue first."""
    rows = list(
        PlanFamilyPeriod.objects.filter(run=run).values("family")
        .annotate(production=Sum("production"), subcontract=Sum("subcontract"), demand=Sum("demand"),
                  shipments=Sum("shipments"), lost=Sum("lost"), revenue=Sum("revenue"),
                  last=Max("period_index"))
        .order_by("-revenue", "family")[:limit]
    )
    ending = dict(PlanFamilyPeriod.objects.filter(run=run, period_index=_last_index(run))
                  .values_list("family", "inventory"))
    backlog = dict(PlanFamilyPeriod.objects.filter(run=run, period_index=_last_index(run))
                   .values_list("family", "backlog"))
    for row in rows:
        row["ending_inventory"] = ending.get(row["family"], 0.0)
        row["ending_backlog"] = backlog.get(row["family"], 0.0)
        row["shipped_share"] = row["shipments"] / row["demand"] if row["demand"] else None
    return rows


def _last_index(run: SolveRun) -> int:
    cached = getattr(run, "_last_index", None)
    if cached is None:
        cached = PlanFamilyPeriod.objects.filter(run=run).aggregate(m=Max("period_index"))["m"] or 0
        run._last_index = cached
    return cached


def family_periods(run: SolveRun, family: str) -> list[PlanFamilyPeriod]:
    return list(PlanFamilyPeriod.objects.filter(run=run, family=family).order_by("period_index"))


def resource_matrix(run: SolveRun) -> dict[str, Any]:
    """Resources x periods: utilization (heat map), hours and shadow prices."""
    rows = list(PlanResourcePeriod.objects.filter(run=run).order_by("resource", "period_index"))
    periods: dict[int, str] = {}
    by_res: dict[str, list[PlanResourcePeriod]] = defaultdict(list)
    for row in rows:
        periods[row.period_index] = row.period
        by_res[row.resource].append(row)
    return {"periods": [periods[i] for i in sorted(periods)], "resources": dict(by_res)}


def component_summary(run: SolveRun) -> list[dict[str, Any]]:
    rows = list(PlanComponentPeriod.objects.filter(run=run).order_by("component", "period_index"))
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(row.component, {"component": row.component, "orders": defaultdict(float),
                                               "orders_total": 0.0, "ending_inventory": 0.0, "peak_value": 0.0})
        for option, qty in (row.orders or {}).items():
            entry["orders"][option] += qty
        entry["orders_total"] += row.orders_total
        entry["ending_inventory"] = row.inventory
        entry["peak_value"] = max(entry["peak_value"], row.inventory_value)
    for entry in out.values():
        entry["orders"] = dict(entry["orders"])
    return list(out.values())


# --- to-dos ------------------------------------------------------------------------------------

def solve_todos(user) -> list[dict[str, Any]]:
    """For supply planners: an open supply review whose cycle has no successful solve yet."""
    if Role.SUPPLY_PLANNER not in user_roles(user):
        return []
    steps = (Step.objects.filter(kind=StepKind.SUPPLY_REVIEW, status__in=[StepStatus.OPEN, StepStatus.SENT_BACK],
                                 cycle__status=CycleStatus.OPEN)
             .exclude(cycle__solve_runs__status=RunStatus.SUCCEEDED).select_related("cycle"))
    return [
        {"title": f"Solve the supply plan of cycle {s.cycle.label}",
         "detail": "no successful solve yet for this cycle", "url": f"/scenarios/?cycle={s.cycle_id}",
         "due": s.due_date, "late": False}
        for s in steps
    ]
