from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cycles.models import Cycle
from optimizer import levers as lever_lib
from optimizer.models import Scenario, SolveRun


class SolveRunSerializer(serializers.ModelSerializer):
    """A run's status as the page shows it: read from the run row, never from Celery."""

    created_by = serializers.CharField(source="created_by.get_username", read_only=True, default=None)
    scenario_name = serializers.CharField(source="scenario.name", read_only=True, default=None)
    cycle_label = serializers.CharField(source="cycle.label", read_only=True, default=None)
    seconds = serializers.FloatField(read_only=True)
    stats = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = SolveRun
        fields = [
            "id", "status", "progress", "phase", "attempts", "max_attempts", "cancel_requested", "error",
            "created_at", "started_at", "finished_at", "heartbeat_at", "seconds", "created_by",
            "scenario", "scenario_name", "cycle", "cycle_label", "rerun_of",
            "problem_name", "problem_sha256", "problem_bytes", "demand_source", "levers", "options",
            "plan_status", "kpis", "stats", "links",
        ]

    @extend_schema_field(serializers.DictField())
    def get_stats(self, run: SolveRun) -> dict[str, Any]:
        return {k: v for k, v in (run.stats or {}).items() if k != "traceback"}

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_links(self, run: SolveRun) -> dict[str, str]:
        base = f"/api/v1/solves/{run.pk}/"
        return {"self": base, "plan": base + "plan/", "problem": base + "problem/",
                "comparison": base + "comparison/", "cancel": base + "cancel/", "rerun": base + "rerun/",
                "page": f"/solves/{run.pk}/"}


class SolveCreateSerializer(serializers.Serializer):
    problem = serializers.JSONField(required=False, help_text="A problem document (sop-problem/1).")
    scenario = serializers.PrimaryKeyRelatedField(queryset=Scenario.objects.select_related("cycle"),
                                                  required=False, help_text="Solve this scenario instead.")
    cycle = serializers.PrimaryKeyRelatedField(queryset=Cycle.objects.all(), required=False, allow_null=True,
                                               help_text="The cycle an ad-hoc problem belongs to (optional).")
    time_limit = serializers.FloatField(required=False, allow_null=True, min_value=0.001,
                                        help_text="Seconds; capped under the worker's soft time limit.")
    gap = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    baseline = serializers.BooleanField(required=False, default=True,
                                        help_text="Also plan the sequential baseline and compare (default true).")

    def validate(self, attrs):
        if ("problem" in attrs) == ("scenario" in attrs):
            raise serializers.ValidationError({"problem": "give either a problem document or a scenario id, not both"})
        if "scenario" in attrs and attrs.get("cycle") is not None:
            raise serializers.ValidationError({"cycle": "a scenario's run belongs to the scenario's cycle"})
        if "problem" in attrs and not isinstance(attrs["problem"], dict):
            raise serializers.ValidationError({"problem": "must be a JSON object (a sop-problem/1 document)"})
        return attrs


class CompareQuerySerializer(serializers.Serializer):
    runs = serializers.RegexField(r"^\d+(,\d+){0,19}$", help_text="Comma-separated run ids (up to 20).",
                                  error_messages={"invalid": "comma-separated run ids, e.g. 3,5,8 (up to 20)"})


class ScenarioSerializer(serializers.ModelSerializer):
    cycle_label = serializers.CharField(source="cycle.label", read_only=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    levers_described = serializers.SerializerMethodField()
    has_base_problem = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = ["id", "cycle", "cycle_label", "name", "description", "levers", "levers_described",
                  "has_base_problem", "version", "created_by", "created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_levers_described(self, scenario: Scenario) -> list[str]:
        return [lever_lib.describe(lever) for lever in scenario.levers or []]

    def get_has_base_problem(self, scenario: Scenario) -> bool:
        return bool(scenario.base_problem)


class ScenarioWriteSerializer(serializers.Serializer):
    cycle = serializers.PrimaryKeyRelatedField(queryset=Cycle.objects.all())
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    levers = serializers.JSONField(required=False, default=list, help_text="Ordered list of levers.")
    base_problem = serializers.JSONField(required=False, allow_null=True, default=None,
                                         help_text="Optional uploaded base problem document.")


class ScenarioPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    levers = serializers.JSONField(required=False)
    base_problem = serializers.JSONField(required=False, allow_null=True)
