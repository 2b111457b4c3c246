"""Data-quality findings of step 1: blocking ones stop the sign-off unless waived."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Severity(models.TextChoices):
    BLOCKING = "blocking", "Blocking"
    WARNING = "warning", "Warning"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    WAIVED = "waived", "Waived"
    RESOLVED = "resolved", "Resolved"


class Finding(models.Model):
    """One problem a check found in a cycle's data. Re-running the checks resolves findings that
    are gone and keeps the waiver of a finding that is still there (same fingerprint)."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="findings")
    check_code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    fingerprint = models.CharField(max_length=200, help_text="check + subject: identifies the same finding across runs.")
    subject = models.CharField(max_length=200)
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField(null=True, blank=True)
    waive_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "severity", "check_code", "subject"]
        constraints = [models.UniqueConstraint(fields=["cycle", "fingerprint"], name="one_finding_per_fingerprint")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.message}"
