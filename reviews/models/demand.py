"""Step 2, the demand review: assumptions, overrides, the materialised consensus and uploads.

Consensus = baseline with the cell's overrides applied in order (reviews/demand/allocation.py).
It is stored per family x channel x month so the later steps read one table. Every change of
a cell takes the plan's next revision as the cell's version: a grid edit names the version
it saw, and a stale one is refused (nothing is silently overwritten).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Channel, ProductFamily


class DemandPlan(models.Model):
    """A cycle's demand plan: which baseline run it uses, its revision counter, and the freeze."""

    cycle = models.OneToOneField("cycles.Cycle", on_delete=models.PROTECT, related_name="demand_plan")
    baseline_run = models.ForeignKey("reviews.ForecastRun", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    revision = models.PositiveBigIntegerField(default=0, help_text="Bumped by every change of the consensus.")
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Demand plan of {self.cycle}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class AssumptionCategory(models.TextChoices):
    PROMOTION = "promotion", "Promotion"
    NEW_CUSTOMER = "new_customer", "New customer / design win"
    LOST_CUSTOMER = "lost_customer", "Lost customer"
    PRICING = "pricing", "Pricing"
    MARKET = "market", "Market"
    LAUNCH = "launch", "Product launch / end of life"
    SUPPLY_DRIVEN = "supply_driven", "Supply-driven"
    OTHER = "other", "Other"


class AssumptionOutcome(models.TextChoices):
    UNREVIEWED = "unreviewed", "Not reviewed yet"
    HELD = "held", "Held"
    DID_NOT_HOLD = "did_not_hold", "Did not hold"


class Assumption(models.Model):
    """The written reason behind overrides. Reviewed at a later cycle: held or did not hold."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="assumptions")
    category = models.CharField(max_length=20, choices=AssumptionCategory.choices)
    text = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              help_text="Who answers for it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    outcome = models.CharField(max_length=15, choices=AssumptionOutcome.choices, default=AssumptionOutcome.UNREVIEWED)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_in = models.ForeignKey("cycles.Cycle", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text="The cycle in which the outcome was recorded.")

    class Meta:
        ordering = ["cycle_id", "id"]

    def __str__(self) -> str:
        return f"{self.ref} {self.text[:60]}"

    @property
    def ref(self) -> str:
        return f"A{self.pk}"


class OverrideKind(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute (units)"
    PERCENT = "percent", "% change"


class Override(models.Model):
    """A planner's change of one cell (family x channel x month), on top of the cell's baseline
    and earlier overrides. Never deleted: a removal sets deleted_at with a reason."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="overrides")
    family = models.ForeignKey(ProductFamily, on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="First day of the month.")
    kind = models.CharField(max_length=10, choices=OverrideKind.choices)
    value = models.DecimalField(max_digits=14, decimal_places=4, help_text="Units (absolute) or % (percent).")
    sequence = models.PositiveBigIntegerField(help_text="Stacking order within the cell.")
    quantity_before = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    quantity = models.DecimalField(max_digits=14, decimal_places=3, default=0, help_text="The cell after this override.")
    assumption = models.ForeignKey(Assumption, on_delete=models.PROTECT, related_name="overrides")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    edit = models.CharField(max_length=32, blank=True, db_index=True, help_text="One id for the cells of one edit.")
    scope = models.JSONField(default=dict, blank=True, help_text="What the planner edited (an aggregate, a range).")
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    delete_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["cycle_id", "family_id", "channel_id", "period", "sequence", "id"]
        indexes = [models.Index(fields=["cycle", "family", "channel", "period"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["absolute", "percent"]), name="override_kind_known"),
            models.CheckConstraint(condition=Q(deleted_at__isnull=True) | ~Q(delete_reason=""),
                                   name="override_delete_needs_reason"),
        ]

    def __str__(self) -> str:
        sign = "%" if self.kind == OverrideKind.PERCENT else " u"
        return f"Override {self.family_id}/{self.channel_id} {self.period:%Y-%m} {self.value}{sign}"

    @property
    def effect(self):
        return self.quantity - self.quantity_before

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None


class ConsensusCell(models.Model):
    """The consensus demand of one family x channel x month: units, price and revenue."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="consensus")
    family = models.ForeignKey(ProductFamily, on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="First day of the month.")
    baseline = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    quantity = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    price = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    version = models.PositiveBigIntegerField(default=0, help_text="The plan revision of the cell's last change.")

    class Meta:
        ordering = ["family__code", "channel__code", "period"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "family", "channel", "period"], name="one_consensus_per_cell"),
        ]

    def __str__(self) -> str:
        return f"Consensus {self.family_id}/{self.channel_id} {self.period:%Y-%m}: {self.quantity}"


class UploadStatus(models.TextChoices):
    PENDING = "pending", "Waiting for accept or reject"
    APPLIED = "applied", "Accepted and applied"
    REJECTED = "rejected", "Rejected"
    INVALID = "invalid", "Refused (invalid cells)"


class DemandUpload(models.Model):
    """An edited consensus workbook: its changes wait here (a preview) until accepted or rejected."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="demand_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.PENDING)
    base_revision = models.PositiveBigIntegerField(default=0, help_text="Plan revision when the preview was made.")
    changes = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Upload {self.pk} {self.filename}"
