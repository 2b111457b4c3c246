"""Step 2, the statistical baseline: forecast runs (the job record), their chunks, the
baseline per family x channel x month, per-series diagnostics and the suggested safety stock.

A run's rows replace the cycle's previous baseline when its last chunk finishes; the rows of
the run the cycle uses are kept for good (they are the lag-k snapshots accuracy reads).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Channel, ProductFamily


class RunStatus(models.TextChoices):
    PENDING = "pending", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)


class ForecastRun(models.Model):
    """One baseline forecast job of a cycle: the row the page polls (never Celery state)."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="forecast_runs")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    history_start = models.DateField(null=True, blank=True, help_text="First month of history used.")
    history_end = models.DateField(null=True, blank=True, help_text="Last month of history used.")
    horizon = models.PositiveSmallIntegerField(default=0, help_text="Months the engine forecasts after history_end.")
    series_total = models.PositiveIntegerField(default=0)
    series_done = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    models_chosen = models.JSONField(default=dict, blank=True, help_text="model name -> number of series")
    preset = models.CharField(max_length=10, default="fast",
                              help_text="Candidate set: fast (default), full (adds ARIMA), quick (demo seed).")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle"], condition=Q(status__in=["pending", "running"]),
                                    name="one_active_forecast_run_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"Baseline run {self.pk} of {self.cycle.label if self.cycle_id else '?'}"

    @property
    def progress(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return int(100 * self.series_done / self.series_total) if self.series_total else 0

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


class ForecastChunk(models.Model):
    """A few hundred series of a run: one Celery task, claimed by a conditional update."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    series = models.JSONField(help_text="[[family_id, channel_id], ...]")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run_id", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="one_chunk_index_per_run")]

    def __str__(self) -> str:
        return f"chunk {self.index} of run {self.run_id}"


class BaselineForecast(models.Model):
    """The statistical forecast of one family x channel x month, with its 80 % interval."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="baselines")
    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(ProductFamily, on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="First day of the month.")
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    lo80 = models.DecimalField(max_digits=14, decimal_places=3)
    hi80 = models.DecimalField(max_digits=14, decimal_places=3)
    model = models.CharField(max_length=30)

    class Meta:
        ordering = ["family__code", "channel__code", "period"]
        constraints = [
            models.UniqueConstraint(fields=["run", "family", "channel", "period"], name="one_baseline_per_run_cell"),
        ]
        indexes = [models.Index(fields=["cycle", "family", "channel", "period"])]

    def __str__(self) -> str:
        return f"Baseline {self.family_id}/{self.channel_id} {self.period:%Y-%m}: {self.quantity}"


class SeriesDiagnostic(models.Model):
    """Why a series got its model: the backtest of each candidate and the chosen model's error."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="diagnostics")
    family = models.ForeignKey(ProductFamily, on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    model = models.CharField(max_length=30)
    demand_class = models.CharField(max_length=20, blank=True)
    n_obs = models.PositiveIntegerField(default=0)
    error_rmse = models.FloatField(null=True, blank=True, help_text="Backtest RMSE per month, units.")
    error_mae = models.FloatField(null=True, blank=True)
    wape = models.FloatField(null=True, blank=True)
    bias = models.FloatField(null=True, blank=True)
    mase = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    candidates = models.JSONField(default=list, blank=True, help_text="[{model, mae, rmse, wape, chosen, failed}]")

    class Meta:
        ordering = ["family__code", "channel__code"]
        constraints = [models.UniqueConstraint(fields=["run", "family", "channel"], name="one_diagnostic_per_run_series")]

    def __str__(self) -> str:
        return f"{self.family_id}/{self.channel_id}: {self.model}"


class SafetyStockSuggestion(models.Model):
    """Suggested safety stock of a family for a cycle: z(service level) x error x sqrt(lead time),
    and the shortfall cost that service level implies; the optimizer's target and penalty."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="safety_stock")
    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(ProductFamily, on_delete=models.PROTECT, related_name="+")
    error_rmse = models.FloatField(help_text="Family forecast error per month (channels combined), units.")
    lead_time_months = models.FloatField()
    service_level = models.FloatField()
    safety_stock = models.DecimalField(max_digits=14, decimal_places=3)
    shortfall_cost = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["family__code"]
        constraints = [models.UniqueConstraint(fields=["run", "family"], name="one_safety_stock_per_run_family")]

    def __str__(self) -> str:
        return f"Safety stock {self.family_id}: {self.safety_stock}"
