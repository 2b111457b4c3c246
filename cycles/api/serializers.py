from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cycles import workflow
from cycles.choices import StepKind
from cycles.models import Cycle, Event, SignOff, Step
from cycles.permissions import live_signatures
from sop.roles import Role


class SignOffSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    live = serializers.BooleanField(source="is_live", read_only=True)
    cycle = serializers.IntegerField(source="step.cycle_id", read_only=True)
    step_kind = serializers.CharField(source="step.kind", read_only=True)

    class Meta:
        model = SignOff
        fields = ["id", "step", "step_kind", "cycle", "role", "user", "comment", "signed_at", "live", "voided_at", "void_reason"]


class StepSerializer(serializers.ModelSerializer):
    cycle_label = serializers.CharField(source="cycle.label", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    required_roles = serializers.SerializerMethodField()
    signed_roles = serializers.SerializerMethodField()
    missing_roles = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = [
            "id", "cycle", "cycle_label", "kind", "kind_label", "position", "status", "state", "due_date",
            "required_roles", "signed_roles", "missing_roles", "opened_at", "signed_off_at", "version", "url",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_required_roles(self, step: Step) -> list[str]:
        return list(workflow.REQUIRED_ROLES[step.kind])

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_signed_roles(self, step: Step) -> dict[str, str]:
        return {s.role: s.user.get_username() for s in step.signoffs.all() if s.voided_at is None}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_roles(self, step: Step) -> list[str]:
        return list(workflow.missing_roles(step.kind, set(live_signatures(step))))

    def get_state(self, step: Step) -> str:
        """done / open / late / pending as the timeline shows it."""
        return step.timeline_state()

    def get_url(self, step: Step) -> str:
        return f"/cycles/{step.cycle_id}/{step.kind}/"


class CycleSerializer(serializers.ModelSerializer):
    opened_by = serializers.CharField(source="opened_by.get_username", read_only=True)
    steps = serializers.SerializerMethodField()
    periods = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Cycle
        fields = [
            "id", "label", "status", "start_month", "executive_meeting_date", "horizon_months", "periods",
            "opened_by", "opened_at", "closed_at", "steps",
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField())
    )
    def get_steps(self, cycle: Cycle) -> list[dict]:
        return [
            {"id": s.id, "kind": s.kind, "status": s.status, "state": s.timeline_state(), "due_date": s.due_date}
            for s in cycle.steps.all()
        ]


class CycleOpenSerializer(serializers.Serializer):
    label = serializers.RegexField(
        workflow.LABEL_RE, max_length=7, error_messages={"invalid": "must be a month in the form YYYY-MM, e.g. 2027-01"}
    )
    executive_meeting_date = serializers.DateField(required=False, allow_null=True)
    horizon_months = serializers.IntegerField(
        required=False, min_value=workflow.MIN_HORIZON, max_value=workflow.MAX_HORIZON, default=workflow.DEFAULT_HORIZON
    )
    due_dates = serializers.DictField(child=serializers.DateField(), required=False)

    def validate_due_dates(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(StepKind.values))
        if unknown:
            raise serializers.ValidationError(
                f"unknown step kind(s) {', '.join(unknown)}; expected {', '.join(StepKind.values)}"
            )
        return value


class CalendarSerializer(serializers.Serializer):
    executive_meeting_date = serializers.DateField()
    due_dates = serializers.DictField(child=serializers.DateField(), required=False)

    validate_due_dates = CycleOpenSerializer.validate_due_dates


class SignSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_null=True, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)
    cycle_label = serializers.CharField(source="cycle.label", read_only=True, default=None)
    step_kind = serializers.CharField(source="step.kind", read_only=True, default=None)

    class Meta:
        model = Event
        fields = [
            "id", "created_at", "actor", "verb", "cycle", "cycle_label", "step", "step_kind",
            "object_type", "object_id", "object_repr", "before", "after", "comment",
        ]
