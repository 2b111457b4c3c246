"""The import batch: the system of record of one file or API push, valid or not."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Queued"
    RUNNING = "running", "Running"
    VALIDATED = "validated", "Validated (dry run)"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected (errors)"
    DUPLICATE = "duplicate", "Duplicate (already imported)"
    FAILED = "failed", "Failed"


class ImportSource(models.TextChoices):
    UPLOAD = "upload", "Upload"
    API = "api", "API"
    CLI = "cli", "Command line"
    DEMO = "demo", "Demo seed"


FINISHED = (ImportStatus.VALIDATED, ImportStatus.APPLIED, ImportStatus.REJECTED, ImportStatus.DUPLICATE, ImportStatus.FAILED)


class ImportBatch(models.Model):
    """Who imported what, when, from where, with which outcome and errors.

    A batch is written whatever happens: a rejected file keeps its error report, a dry run its
    preview counts. Long imports are run by a Celery task that updates status and progress on
    this row; pages poll the row, never Celery.
    """

    kind = models.CharField(max_length=20, db_index=True)
    cycle = models.ForeignKey("cycles.Cycle", null=True, blank=True, on_delete=models.PROTECT, related_name="import_batches")
    source = models.CharField(max_length=10, choices=ImportSource.choices)
    filename = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=8, blank=True, help_text="csv, xlsx or json")
    file_hash = models.CharField(max_length=64, blank=True, db_index=True, help_text="sha256 of the bytes received.")
    file_size = models.BigIntegerField(default=0)
    stored_path = models.CharField(max_length=500, blank=True, help_text="Where a queued upload waits for the worker.")
    idempotency_key = models.CharField(max_length=200, blank=True)
    request_hash = models.CharField(max_length=64, blank=True, help_text="Fingerprint of the API request for the key.")
    dry_run = models.BooleanField(default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100")
    message = models.TextField(blank=True, help_text="The outcome in one sentence.")
    row_count = models.PositiveIntegerField(default=0)
    rows_added = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_removed = models.PositiveIntegerField(default=0, help_text="Earlier rows of the scope that this file replaced.")
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first errors: row, column, value, reason.")
    scope = models.JSONField(default=dict, blank=True, help_text="What the file replaces, e.g. {'periods': [...]}.")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "idempotency_key"], condition=~Q(idempotency_key=""), name="one_batch_per_idempotency_key"
            )
        ]
        indexes = [models.Index(fields=["kind", "cycle", "status"])]

    def __str__(self) -> str:
        return f"Import #{self.pk} {self.kind}" + (f" ({self.cycle.label})" if self.cycle_id else "")

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @cached_property
    def superseded_by(self) -> ImportBatch | None:
        """For a validated preview: an import of the same kind (and, for a cycle's own data, the
        same cycle) applied after it, so its counts no longer say what the file would do."""
        from reviews.imports.kinds import KINDS

        if not (self.dry_run and self.status == ImportStatus.VALIDATED and self.finished_at):
            return None
        later = ImportBatch.objects.filter(kind=self.kind, status=ImportStatus.APPLIED, dry_run=False, finished_at__gt=self.finished_at)
        spec = KINDS.get(self.kind)
        if spec is not None and spec.cycle == "required":  # a cycle's own data: only that cycle's imports count
            later = later.filter(cycle_id=self.cycle_id)
        return later.order_by("-finished_at").first()  # history and master data are shared by every cycle

    @property
    def errors_not_shown(self) -> int:
        return max(0, self.error_count - len(self.errors or []))
