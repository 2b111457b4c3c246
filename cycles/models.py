"""The monthly cycle, its six steps, sign-offs and the append-only history."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cycles import workflow
from cycles.choices import CycleStatus, StepKind, StepStatus


class Cycle(models.Model):
    """One month's S&OP cycle, e.g. "2027-01". Its planning horizon starts in that month."""

    label = models.CharField(max_length=7, help_text="The cycle's month, YYYY-MM.")
    start_month = models.DateField(help_text="First day of the cycle's month; the plan's first period.")
    status = models.CharField(max_length=12, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    executive_meeting_date = models.DateField()
    horizon_months = models.PositiveSmallIntegerField(default=workflow.DEFAULT_HORIZON)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_month", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["label"], condition=Q(status="open"), name="one_open_cycle_per_label"
            ),
            models.CheckConstraint(
                condition=Q(horizon_months__gte=workflow.MIN_HORIZON) & Q(horizon_months__lte=workflow.MAX_HORIZON),
                name="cycle_horizon_18_to_36",
            ),
        ]

    def __str__(self) -> str:
        return f"Cycle {self.label}"

    @property
    def periods(self) -> list[str]:
        """The horizon's months as YYYY-MM labels, starting with the cycle's month."""
        out = []
        year, month = self.start_month.year, self.start_month.month
        for _ in range(self.horizon_months):
            out.append(f"{year:04d}-{month:02d}")
            month += 1
            if month > 12:
                year, month = year + 1, 1
        return out


class Step(models.Model):
    """One of a cycle's six steps; opens when the step before it is signed off."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    position = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=StepStatus.choices, default=StepStatus.PENDING)
    due_date = models.DateField()
    opened_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every state change.")

    class Meta:
        ordering = ["cycle_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="one_step_of_each_kind_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle.label} {self.get_kind_display()}"

    @property
    def required_roles(self) -> tuple[str, ...]:
        return workflow.REQUIRED_ROLES[self.kind]

    @property
    def produces(self) -> str:
        return workflow.PRODUCES[self.kind]

    def timeline_state(self, today: dt.date | None = None) -> str:
        return workflow.timeline_state(self.status, self.due_date, today or timezone.localdate())

    @property
    def is_late(self) -> bool:
        return self.timeline_state() == "late"


class SignOff(models.Model):
    """A signature of a step for one role. Voided (never deleted) by a send back or a reopen."""

    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="signoffs")
    role = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs")
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "role"], condition=Q(voided_at__isnull=True), name="one_live_signature_per_role"
            ),
            models.UniqueConstraint(
                fields=["step", "user"], condition=Q(voided_at__isnull=True), name="one_role_per_signer_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} signed as {self.role} by {self.user}"

    @property
    def is_live(self) -> bool:
        return self.voided_at is None


class Event(models.Model):
    """The append-only history: who did what to which object, when, with before/after.

    The database refuses UPDATE and DELETE on this table (triggers, see sop/dbguards.py).
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="Username at the time, or 'system'.")
    verb = models.CharField(max_length=60, db_index=True)
    cycle = models.ForeignKey(Cycle, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cycle", "created_at"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Guard, not business flow: history rows are written once by cycles.services.event_record.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("History events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("History events are append-only and cannot be deleted.")
