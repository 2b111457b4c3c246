"""Input and output serializers of the demand API, one pair per operation."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviews.demand import months
from reviews.models import (
    Assumption,
    AssumptionCategory,
    AssumptionOutcome,
    BaselineForecast,
    ForecastRun,
    Override,
    OverrideKind,
)


class MonthField(serializers.CharField):
    """A month as YYYY-MM (a string in the schema)."""

    default_error_messages = {"invalid_month": "must be a month as YYYY-MM, e.g. 2027-03"}

    def to_representation(self, value):
        return months.label(value)

    def to_internal_value(self, data):
        text = super().to_internal_value(data).strip()
        if len(text) != 7:
            self.fail("invalid_month")
        try:
            return months.month(text)
        except (ValueError, IndexError):
            self.fail("invalid_month")


class RunSerializer(serializers.ModelSerializer):
    cycle_label = serializers.CharField(source="cycle.label", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    progress = serializers.IntegerField(read_only=True)
    history_start = MonthField(read_only=True)
    history_end = MonthField(read_only=True)

    class Meta:
        model = ForecastRun
        fields = ["id", "cycle", "cycle_label", "status", "progress", "series_total", "series_done", "chunks_total",
                  "chunks_done", "rows_written", "history_start", "history_end", "horizon", "preset", "models_chosen", "error",
                  "created_by", "created_at", "started_at", "finished_at", "heartbeat_at"]


class RunCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=1)
    preset = serializers.ChoiceField(choices=["fast", "full"], default="fast", required=False,
                                     help_text="fast: the measured default; full: adds seasonal ARIMA (about 3x slower).")


class BaselineSerializer(serializers.ModelSerializer):
    family = serializers.CharField(source="family.code")
    channel = serializers.CharField(source="channel.code")
    period = MonthField()

    class Meta:
        model = BaselineForecast
        fields = ["cycle", "run", "family", "channel", "period", "quantity", "lo80", "hi80", "model"]


class AssumptionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assumption
        fields = ["id", "ref", "category", "text"]


class OverrideSerializer(serializers.ModelSerializer):
    family = serializers.CharField(source="family.code")
    channel = serializers.CharField(source="channel.code")
    period = MonthField()
    assumption = AssumptionBriefSerializer()
    author = serializers.CharField(source="author.username")
    deleted_by = serializers.CharField(source="deleted_by.username", default=None)
    effect = serializers.DecimalField(max_digits=16, decimal_places=3, read_only=True)
    deleted = serializers.SerializerMethodField()

    class Meta:
        model = Override
        fields = ["id", "cycle", "family", "channel", "period", "kind", "value", "quantity_before", "quantity", "effect",
                  "assumption", "author", "created_at", "updated_at", "version", "scope", "deleted", "deleted_at",
                  "deleted_by", "delete_reason"]

    def get_deleted(self, obj) -> bool:
        return obj.deleted_at is not None


class NewAssumptionSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=AssumptionCategory.choices)
    text = serializers.CharField(max_length=5000)
    owner = serializers.IntegerField(required=False, min_value=1, help_text="User id; default: you.")


class OverrideCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=1)
    family = serializers.CharField(max_length=40)
    channel = serializers.CharField(max_length=40)
    period = MonthField()
    kind = serializers.ChoiceField(choices=OverrideKind.choices)
    value = serializers.DecimalField(max_digits=14, decimal_places=4)
    assumption = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                          help_text="Id of one of the cycle's assumptions.")
    new_assumption = NewAssumptionSerializer(required=False, allow_null=True,
                                             help_text="Or write a new assumption with the override.")


class OverrideUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OverrideKind.choices, required=False)
    value = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    assumption = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    new_assumption = NewAssumptionSerializer(required=False, allow_null=True)


class OverrideReplaceSerializer(OverrideUpdateSerializer):
    kind = serializers.ChoiceField(choices=OverrideKind.choices)
    value = serializers.DecimalField(max_digits=14, decimal_places=4)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class AssumptionSerializer(serializers.ModelSerializer):
    cycle_label = serializers.CharField(source="cycle.label", read_only=True)
    owner = serializers.CharField(source="owner.username")
    created_by = serializers.CharField(source="created_by.username")
    reviewed_by = serializers.CharField(source="reviewed_by.username", default=None)
    reviewed_in = serializers.CharField(source="reviewed_in.label", default=None)
    override_count = serializers.IntegerField(read_only=True, default=0)
    first_month = serializers.SerializerMethodField()
    last_month = serializers.SerializerMethodField()

    class Meta:
        model = Assumption
        fields = ["id", "ref", "cycle", "cycle_label", "category", "text", "owner", "created_by", "created_at",
                  "updated_at", "version", "outcome", "review_note", "reviewed_by", "reviewed_at", "reviewed_in",
                  "override_count", "first_month", "last_month"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_first_month(self, obj) -> str | None:
        value = getattr(obj, "first_month", None)
        return months.label(value) if value else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_last_month(self, obj) -> str | None:
        value = getattr(obj, "last_month", None)
        return months.label(value) if value else None


class AssumptionCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=1)
    category = serializers.ChoiceField(choices=AssumptionCategory.choices)
    text = serializers.CharField(max_length=5000)
    owner = serializers.IntegerField(required=False, min_value=1, help_text="User id; default: you.")


class AssumptionUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=AssumptionCategory.choices, required=False)
    text = serializers.CharField(max_length=5000, required=False)
    owner = serializers.IntegerField(required=False, min_value=1)


class AssumptionReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AssumptionOutcome.choices)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ConsensusRowSerializer(serializers.Serializer):
    family = serializers.CharField()
    channel = serializers.CharField()
    period = serializers.CharField()
    baseline = serializers.DecimalField(max_digits=14, decimal_places=3)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    price = serializers.DecimalField(max_digits=14, decimal_places=4)
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    version = serializers.IntegerField()


class ConsensusSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    cycle_label = serializers.CharField()
    revision = serializers.IntegerField()
    frozen = serializers.BooleanField()
    frozen_at = serializers.DateTimeField(allow_null=True)
    units = serializers.DecimalField(max_digits=18, decimal_places=3)
    revenue = serializers.DecimalField(max_digits=18, decimal_places=2)
    rows = ConsensusRowSerializer(many=True)
