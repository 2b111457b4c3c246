"""Scenarios, solve runs and the stored plans.

A :class:`SolveRun` is the system of record of one solve: the page and the API read its row
(status, attempts, heartbeat, progress), never Celery's state. It keeps the exact problem
document it solved (with its sha256) and the plan document it produced; the plan is also
written as rows (``Plan*Period``) in the same transaction as the run's success, for fast
pages and for the budget reconciliation.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cycles.models import Cycle
from optimizer.choices import RunStatus


class Scenario(models.Model):
    """A what-if of a cycle: the base problem (built from the catalog and the cycle's data, or
    an uploaded base document) with levers applied in order (see optimizer/levers.py)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="scenarios")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    levers = models.JSONField(default=list, blank=True, help_text="Ordered list of levers (JSON objects).")
    base_problem = models.JSONField(
        null=True, blank=True,
        help_text="An uploaded base problem document; empty: built from the catalog and the cycle's data.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every edit (If-Match in the API).")

    class Meta:
        ordering = ["cycle_id", "name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "name"], name="one_scenario_name_per_cycle")]

    def __str__(self) -> str:
        return f"{self.name} ({self.cycle.label})" if self.cycle_id else self.name


class SolveRun(models.Model):
    """One solve of one problem document, claimed by one worker at a time."""

    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    cycle = models.ForeignKey(Cycle, null=True, blank=True, on_delete=models.PROTECT, related_name="solve_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reruns")

    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Claims so far (one per delivery that ran).")
    max_attempts = models.PositiveSmallIntegerField(default=3)
    progress = models.FloatField(default=0.0, help_text="0..1, as the engine reports it.")
    phase = models.CharField(max_length=60, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(blank=True, help_text="Why the run failed or was cancelled.")
    task_id = models.CharField(max_length=64, blank=True)
    worker_token = models.CharField(max_length=64, blank=True, help_text="Set by the claim; fences late writers.")

    options = models.JSONField(default=dict, blank=True, help_text="time_limit, gap, baseline as asked.")
    problem = models.JSONField(help_text="The exact problem document solved.")
    problem_sha256 = models.CharField(max_length=64, db_index=True)
    problem_name = models.CharField(max_length=200, blank=True)
    problem_bytes = models.PositiveIntegerField(default=0)
    demand_source = models.CharField(max_length=200, blank=True, help_text="Where the demand came from.")
    levers = models.JSONField(default=list, blank=True, help_text="The scenario's levers as applied.")

    plan = models.JSONField(null=True, blank=True, help_text="The plan document (sop-plan/1).")
    plan_status = models.CharField(max_length=24, blank=True)
    kpis = models.JSONField(default=dict, blank=True)
    comparison = models.JSONField(null=True, blank=True, help_text="Single pass vs sequential baseline.")
    stats = models.JSONField(default=dict, blank=True, help_text="Solver statistics and timings.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(fields=["cycle", "created_at"]),
            models.Index(fields=["scenario", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="run_progress_0_to_1"),
            models.CheckConstraint(condition=Q(attempts__lte=models.F("max_attempts")), name="run_attempts_capped"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="run_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Solve #{self.pk} {self.problem_name or ''}".strip()

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()


class PlanRow(models.Model):
    run = models.ForeignKey(SolveRun, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20)
    period_index = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True


class PlanFamilyPeriod(PlanRow):
    """A family's plan in one period, totals over channels; revenue at the plan's prices."""

    family = models.CharField(max_length=60)
    production = models.FloatField()
    subcontract = models.FloatField()
    inventory = models.FloatField()
    inventory_value = models.FloatField()
    safety_stock_shortfall = models.FloatField(default=0)
    demand = models.FloatField()
    shipments = models.FloatField()
    backlog = models.FloatField()
    lost = models.FloatField()
    revenue = models.FloatField()

    class Meta:
        ordering = ["run_id", "family", "period_index"]
        indexes = [models.Index(fields=["run", "family", "period_index"])]

    def __str__(self) -> str:
        return f"{self.family} {self.period}"


class PlanFamilyChannelPeriod(PlanRow):
    """Demand, shipments, backlog, lost sales and revenue per family, channel and period."""

    family = models.CharField(max_length=60)
    channel = models.CharField(max_length=60)
    demand = models.FloatField()
    shipments = models.FloatField()
    backlog = models.FloatField()
    lost = models.FloatField()
    revenue = models.FloatField()

    class Meta:
        ordering = ["run_id", "family", "channel", "period_index"]
        indexes = [models.Index(fields=["run", "channel", "period_index"])]

    def __str__(self) -> str:
        return f"{self.family}/{self.channel} {self.period}"


class PlanResourcePeriod(PlanRow):
    """Hours, utilization and the shadow price (money per hour) of a resource in a period."""

    resource = models.CharField(max_length=60)
    hours_used = models.FloatField()
    regular_hours = models.FloatField()
    overtime_hours = models.FloatField()
    workers = models.FloatField(default=0)
    hires = models.FloatField(default=0)
    layoffs = models.FloatField(default=0)
    utilization = models.FloatField(null=True, blank=True)
    shadow_price = models.FloatField(default=0)

    class Meta:
        ordering = ["run_id", "resource", "period_index"]
        indexes = [models.Index(fields=["run", "resource", "period_index"])]

    def __str__(self) -> str:
        return f"{self.resource} {self.period}"


class PlanComponentPeriod(PlanRow):
    """Orders per supply option and ending inventory of a component in a period."""

    component = models.CharField(max_length=60)
    orders = models.JSONField(default=dict)
    orders_total = models.FloatField()
    inventory = models.FloatField()
    inventory_value = models.FloatField()

    class Meta:
        ordering = ["run_id", "component", "period_index"]
        indexes = [models.Index(fields=["run", "component", "period_index"])]

    def __str__(self) -> str:
        return f"{self.component} {self.period}"
