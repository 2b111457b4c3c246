"""Solve and scenario API: thin. Services write and refuse; selectors read."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from optimizer import conf, selectors, services
from optimizer.api import serializers as s
from optimizer.choices import RunStatus
from optimizer.filtersets import ScenarioFilter, SolveRunFilter
from optimizer.models import Scenario, SolveRun
from sop.errors import ApplicationError, ConflictError, PreconditionRequiredError

#: Room for the envelope around the problem document ({"problem": ..., "time_limit": ...}).
ENVELOPE_BYTES = 64 * 1024


class CanViewRuns(BasePermission):
    message = "Your account has no S&OP role."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("optimizer.view_runs"))


def _refuse_oversized(request) -> None:
    """Checks Content-Length before the body is parsed: an oversized document is never read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = conf.get("MAX_PROBLEM_BYTES")
    if length > limit + ENVELOPE_BYTES:
        raise services.PayloadTooLargeError(
            f"The request body is {length:,} bytes; problem documents of at most {limit:,} bytes are accepted.",
            {"bytes": length, "limit": limit},
        )


class SolveRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Solve runs. POST queues a solve of a problem document or a scenario (202 with the run);
    the run row says its status and progress; the plan and problem documents are sub-resources."""

    permission_classes = [CanViewRuns]
    serializer_class = s.SolveRunSerializer
    filterset_class = SolveRunFilter

    def get_queryset(self):
        return selectors.runs().order_by("-created_at", "-id")

    def _run(self, pk, *, defer: tuple[str, ...] = ("problem", "plan")) -> SolveRun:
        try:
            return SolveRun.objects.defer(*defer).select_related("scenario", "cycle", "created_by").get(pk=int(pk))
        except (SolveRun.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc

    def _respond(self, run: SolveRun, code: int = status.HTTP_200_OK) -> Response:
        response = Response(s.SolveRunSerializer(selectors.run_light(run.pk)).data, status=code)
        response["Location"] = f"/api/v1/solves/{run.pk}/"
        return response

    @extend_schema(request=s.SolveCreateSerializer, responses={202: s.SolveRunSerializer, 413: OpenApiResponse(
        description="The problem document is larger than the limit.")})
    def create(self, request):
        _refuse_oversized(request)
        data = s.SolveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        run = services.solve_submit(
            actor=request.user, problem=v.get("problem"), scenario=v.get("scenario"), cycle=v.get("cycle"),
            time_limit=v.get("time_limit"), gap=v.get("gap"), baseline=v.get("baseline", True),
        )
        return self._respond(run, status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: OpenApiResponse(description="The plan document (sop-plan/1)."),
                              409: OpenApiResponse(description="The run has no plan (yet).")})
    @action(detail=True, methods=["get"])
    def plan(self, request, pk=None):
        run = self._run(pk, defer=("problem",))
        if run.plan is None:
            if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
                raise ConflictError(f"Solve #{run.pk} is {run.status} ({run.progress:.0%}); the plan is not ready.",
                                    {"status": run.status, "progress": run.progress})
            raise ConflictError(f"Solve #{run.pk} {run.status} without a plan: {run.error}", {"status": run.status})
        return Response(run.plan)

    @extend_schema(responses={200: OpenApiResponse(description="The exact problem document solved.")})
    @action(detail=True, methods=["get"])
    def problem(self, request, pk=None):
        run = self._run(pk, defer=("plan",))
        response = Response(run.problem)
        response["ETag"] = f'"{run.problem_sha256}"'
        return response

    @extend_schema(responses={200: OpenApiResponse(description="Single pass vs sequential baseline.")})
    @action(detail=True, methods=["get"])
    def comparison(self, request, pk=None):
        run = self._run(pk)
        if run.status != RunStatus.SUCCEEDED:
            raise ConflictError(f"Solve #{run.pk} is {run.status}; the comparison comes with its plan.",
                                {"status": run.status})
        if not run.comparison or "value" not in run.comparison:
            reason = (run.comparison or {}).get("error") or "it was solved without the sequential baseline"
            raise ConflictError(f"Solve #{run.pk} has no comparison: {reason}.")
        kpis = run.kpis or {}
        keep = ("profit", "revenue", "total_cost", "margin", "costs", "fill_rate", "service", "inventory_value")
        return Response({
            "run": run.pk,
            "currency": kpis.get("currency", ""),
            "single_pass": {k: kpis.get(k) for k in keep},
            "sequential": {k: (kpis.get("baseline") or {}).get(k) for k in keep},
            **run.comparison,
        })

    @extend_schema(request=None, responses=s.SolveRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        run = services.solve_cancel(actor=request.user, run=self._run(pk))
        return self._respond(run)

    @extend_schema(request=None, responses={202: s.SolveRunSerializer})
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        run = services.solve_rerun(actor=request.user, run=self._run(pk))
        return self._respond(run, status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[OpenApiParameter("runs", str, description="Comma-separated run ids")],
                   responses={200: OpenApiResponse(description="KPIs of the runs side by side.")})
    @action(detail=False, methods=["get"])
    def compare(self, request):
        query = s.CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ids = [int(x) for x in query.validated_data["runs"].split(",")]
        found = selectors.runs_by_ids(ids)
        missing = sorted(set(ids) - {r.pk for r in found})
        if missing:
            raise ApplicationError(f"runs: no solve {', '.join(f'#{m}' for m in missing)}", {"path": "runs"})
        return Response({"runs": [
            {"id": r.pk, "scenario": r.scenario_id, "scenario_name": r.scenario.name if r.scenario else None,
             "status": r.status, "plan_status": r.plan_status, "kpis": r.kpis} for r in found
        ]})


def _if_match(request) -> int:
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequiredError("Send If-Match with the scenario's version (its ETag) to change it.")
    try:
        return int(header.strip().removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise ApplicationError(f"If-Match: expected the scenario's version, e.g. \"3\", got {header!r}") from exc


class ScenarioViewSet(viewsets.ModelViewSet):
    """Scenarios of a cycle. Changes need If-Match with the version (ETag): stale 412, missing 428."""

    permission_classes = [CanViewRuns]
    serializer_class = s.ScenarioSerializer
    filterset_class = ScenarioFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.scenarios().order_by("-cycle__start_month", "name", "id")

    def _respond(self, scenario: Scenario, code: int = status.HTTP_200_OK) -> Response:
        scenario = self.get_queryset().get(pk=scenario.pk)
        response = Response(s.ScenarioSerializer(scenario).data, status=code)
        response["ETag"] = f'"{scenario.version}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @extend_schema(request=s.ScenarioWriteSerializer, responses={201: s.ScenarioSerializer})
    def create(self, request, *args, **kwargs):
        _refuse_oversized(request)
        data = s.ScenarioWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scenario = services.scenario_create(actor=request.user, **data.validated_data)
        return self._respond(scenario, status.HTTP_201_CREATED)

    @extend_schema(request=s.ScenarioPatchSerializer, responses=s.ScenarioSerializer,
                   parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)])
    def partial_update(self, request, *args, **kwargs):
        _refuse_oversized(request)
        scenario = self.get_object()
        data = s.ScenarioPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _if_match(request)
        scenario = services.scenario_update(actor=request.user, scenario=scenario, version=version,
                                            **data.validated_data)
        return self._respond(scenario)

    def destroy(self, request, *args, **kwargs):
        services.scenario_delete(actor=request.user, scenario=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
