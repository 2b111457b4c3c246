"""Demand API: baselines, baseline runs, overrides (If-Match), assumptions (+ review), the
consensus per cycle as JSON or CSV, accuracy and FVA, what changed, suggested safety stock."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.db.models import Sum
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from catalog.models import Channel, ProductFamily
from cycles.models import Cycle
from reviews.demand import accuracy, carryover, changes, months, runs, selectors, services
from reviews.demand.api import serializers as s
from reviews.demand.excel import safe_text
from reviews.demand.filtersets import (
    AssumptionFilter,
    BaselineFilter,
    ConsensusFilter,
    OverrideFilter,
    RunFilter,
)
from reviews.models import Assumption, BaselineForecast, DemandPlan, Override
from sop.converters import ID_REGEX
from sop.errors import ApplicationError, NotFoundError

IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                            description='The version you read, as its ETag ("3"). Missing: 428; stale: 412.')


class ReadsDemand(BasePermission):
    """Roles that use the pages read the demand review (the integration account does not)."""

    message = "Your role does not read the demand review through the API."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("reviews.view_demand"))


class ReadsConsensus(BasePermission):
    """Any S&OP role, the ERP's integration account included."""

    message = "Your account has no S&OP role."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("reviews.read_consensus"))


def if_match(request) -> int | None:
    value = request.headers.get("If-Match")
    if value is None:
        return None
    match = re.search(r"(\d+)", value)
    if not match:
        raise ApplicationError('If-Match must carry the version as an ETag, e.g. "3".', {"If-Match": value})
    return int(match.group(1))


def _etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


def _cycle(pk) -> Cycle:
    try:
        return Cycle.objects.get(pk=int(pk))
    except (Cycle.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(f"No cycle {pk}.") from None


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Baseline forecast runs. POST starts one for a cycle (process owner or demand planner)."""

    permission_classes = [ReadsDemand]
    serializer_class = s.RunSerializer
    filterset_class = RunFilter

    def get_queryset(self):
        return selectors.runs().order_by("-created_at", "-id")

    @extend_schema(request=s.RunCreateSerializer, responses={202: s.RunSerializer})
    def create(self, request):
        data = s.RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = runs.forecast_run_start(actor=request.user, cycle=_cycle(data.validated_data["cycle"]),
                                      preset=data.validated_data.get("preset") or "fast")
        return Response(s.RunSerializer(self.get_queryset().get(pk=run.pk)).data, status=status.HTTP_202_ACCEPTED)


class BaselineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The statistical baseline in use by each cycle, per family x channel x month, with its
    80 % interval and the chosen model."""

    permission_classes = [ReadsDemand]
    serializer_class = s.BaselineSerializer
    filterset_class = BaselineFilter

    def get_queryset(self):
        current = DemandPlan.objects.filter(baseline_run__isnull=False).values("baseline_run_id")
        return (BaselineForecast.objects.filter(run_id__in=current).select_related("family", "channel")
                .order_by("cycle_id", "family__code", "channel__code", "period"))


class OverrideViewSet(viewsets.ModelViewSet):
    """Overrides of the consensus, one cell each, stacked in order, each with an assumption.

    PUT/PATCH need If-Match (the version); DELETE needs a reason and keeps the override as removed."""

    permission_classes = [ReadsDemand]
    serializer_class = s.OverrideSerializer
    filterset_class = OverrideFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (Override.objects.select_related("family", "channel", "assumption", "author", "deleted_by")
                .order_by("cycle_id", "family__code", "channel__code", "period", "sequence", "id"))

    def _out(self, override: Override, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=override.pk)
        return _etag(Response(s.OverrideSerializer(fresh).data, status=code), fresh.version)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self.get_object())

    @extend_schema(request=s.OverrideCreateSerializer, responses={201: s.OverrideSerializer})
    def create(self, request):
        data = s.OverrideCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        cycle = _cycle(v["cycle"])
        family = ProductFamily.objects.filter(code=v["family"]).first()
        channel = Channel.objects.filter(code=v["channel"]).first()
        if family is None or channel is None:
            raise ApplicationError("Unknown family or channel code.",
                                   {"family" if family is None else "channel": "unknown code"})
        override = services.override_create(
            actor=request.user, cycle=cycle, family=family, channel=channel, period=v["period"], kind=v["kind"],
            value=v["value"], assumption_id=v.get("assumption"), new_assumption=v.get("new_assumption"))
        return self._out(override, status.HTTP_201_CREATED)

    def _update(self, request, serializer_class):
        override = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        override = services.override_update(
            actor=request.user, override=override, expected_version=if_match(request), kind=v.get("kind"),
            value=v.get("value"), assumption_id=v.get("assumption"), new_assumption=v.get("new_assumption"))
        return self._out(override)

    @extend_schema(request=s.OverrideUpdateSerializer, parameters=[IF_MATCH], responses=s.OverrideSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, s.OverrideUpdateSerializer)

    @extend_schema(request=s.OverrideReplaceSerializer, parameters=[IF_MATCH], responses=s.OverrideSerializer)
    def update(self, request, *args, **kwargs):
        if kwargs.get("partial"):
            return self._update(request, s.OverrideUpdateSerializer)
        return self._update(request, s.OverrideReplaceSerializer)

    @extend_schema(request=s.ReasonSerializer, parameters=[
        IF_MATCH, OpenApiParameter("reason", OpenApiTypes.STR, description="Why it is removed (or in the body).")],
        responses=s.OverrideSerializer)
    def destroy(self, request, *args, **kwargs):
        override = self.get_object()
        reason = request.query_params.get("reason") or (request.data.get("reason") if hasattr(request.data, "get")
                                                          else "")
        override = services.override_delete(actor=request.user, override=override, reason=str(reason or ""),
                                            expected_version=if_match(request))
        return self._out(override)


class AssumptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The assumption register; PATCH rewords (If-Match); POST {id}/review/ records the outcome."""

    permission_classes = [ReadsDemand]
    serializer_class = s.AssumptionSerializer
    filterset_class = AssumptionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.assumptions()

    def _out(self, assumption: Assumption, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=assumption.pk)
        return _etag(Response(s.AssumptionSerializer(fresh).data, status=code), fresh.version)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self.get_object())

    @extend_schema(request=s.AssumptionCreateSerializer, responses={201: s.AssumptionSerializer})
    def create(self, request):
        data = s.AssumptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        a = services.assumption_create(actor=request.user, cycle=_cycle(v["cycle"]), category=v["category"],
                                       text=v["text"], owner=v.get("owner"))
        return self._out(a, status.HTTP_201_CREATED)

    @extend_schema(request=s.AssumptionUpdateSerializer, parameters=[IF_MATCH], responses=s.AssumptionSerializer)
    def partial_update(self, request, *args, **kwargs):
        a = self.get_object()
        data = s.AssumptionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        a = services.assumption_update(actor=request.user, assumption=a, expected_version=if_match(request),
                                       category=v.get("category"), text=v.get("text"), owner=v.get("owner"))
        return self._out(a)

    @extend_schema(request=s.AssumptionReviewSerializer, responses=s.AssumptionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        a = self.get_object()
        data = s.AssumptionReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.assumption_review(actor=request.user, assumption=a, outcome=data.validated_data["outcome"],
                                       note=data.validated_data.get("note", ""))
        return self._out(a)


class CSVRenderer(BaseRenderer):
    """The consensus rows as CSV (text cells neutralised against spreadsheet formulas)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    columns = ["family", "channel", "period", "baseline", "quantity", "price", "revenue", "version"]

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if isinstance(data, dict) and "rows" in data:
            writer.writerow(self.columns)
            for row in data["rows"]:
                writer.writerow([safe_text(row[c]) if isinstance(row[c], str) else row[c] for c in self.columns])
        else:
            writer.writerow(["message"])
            writer.writerow([safe_text((data or {}).get("message", "")) if isinstance(data, dict) else ""])
        return out.getvalue().encode("utf-8")


class CycleDemandViewSet(viewsets.ViewSet):
    """Per cycle: the consensus (JSON, or CSV with ?format=csv), accuracy and FVA, what changed,
    and the suggested safety stock."""

    permission_classes = [ReadsConsensus]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    lookup_value_regex = ID_REGEX

    @extend_schema(responses=s.ConsensusSerializer, parameters=[
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        OpenApiParameter("family", OpenApiTypes.STR), OpenApiParameter("channel", OpenApiTypes.STR),
        OpenApiParameter("period", OpenApiTypes.STR, description="YYYY-MM")])
    @action(detail=True, methods=["get"])
    def consensus(self, request, pk=None):
        cycle = _cycle(pk)
        plan = DemandPlan.objects.filter(cycle=cycle).first()
        qs = ConsensusFilter(request.query_params, queryset=selectors.consensus_rows(cycle)).qs
        rows = list(qs.values_list("family__code", "channel__code", "period", "baseline", "quantity", "price",
                                   "revenue", "version"))
        totals = qs.aggregate(units=Sum("quantity"), revenue=Sum("revenue"))
        data = {
            "cycle": cycle.pk, "cycle_label": cycle.label, "revision": plan.revision if plan else 0,
            "frozen": bool(plan and plan.frozen_at), "frozen_at": plan.frozen_at if plan else None,
            "units": totals["units"] or Decimal(0), "revenue": totals["revenue"] or Decimal(0),
            "rows": [{"family": f, "channel": c, "period": months.label(p), "baseline": b, "quantity": qty,
                      "price": price, "revenue": rev, "version": ver} for f, c, p, b, qty, price, rev, ver in rows],
        }
        response = Response(s.ConsensusSerializer(data).data)
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="consensus-{cycle.label}.csv"'
        return response

    def _reader(self, request):
        if not request.user.has_perm("reviews.view_demand"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(ReadsDemand.message)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def accuracy(self, request, pk=None):
        """WAPE and bias by family, channel and lag (1, 3) of naive, statistical and consensus
        forecasts on past months' actuals; FVA in total and per contributor."""
        self._reader(request)
        return Response(accuracy.accuracy_summary(_cycle(pk)))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def changes(self, request, pk=None):
        """Consensus vs the prior cycle's by family and month: baseline movement vs overrides."""
        self._reader(request)
        report = changes.what_changed(_cycle(pk))
        prior = report.pop("prior")
        report["prior"] = prior.label if prior else None
        return Response(report)

    @extend_schema(methods=["GET"], responses=OpenApiTypes.OBJECT,
                   description="What a carry-over would copy now: the prior cycle's live overrides of this horizon.")
    @extend_schema(methods=["POST"], request=None, responses={201: OpenApiTypes.OBJECT},
                   description="Copies them (with copies of their assumptions); demand planner or sales, step 2 open.")
    @action(detail=True, methods=["get", "post"], url_path="carry-over")
    def carry_over(self, request, pk=None):
        """The prior cycle's overrides of this cycle's horizon: GET what would be carried, POST to carry them."""
        cycle = _cycle(pk)
        if request.method == "GET":
            self._reader(request)
            found = carryover.offer(cycle)
            return Response({"from_cycle": found.prior.label if found.prior else None,
                             "overrides": [services.override_state(o) for o in found.overrides],
                             "assumptions": found.assumptions, "cells": found.cells, "skipped_cells": found.skipped_cells})
        done = carryover.carry_over(actor=request.user, cycle=cycle)
        return Response({"from_cycle": done.prior.label, "revision": done.revision,
                         "overrides": [services.override_state(o) for o in done.overrides],
                         "assumptions": [a.ref for a in done.assumptions], "cells_changed": len(done.cells),
                         "skipped_cells": done.skipped_cells}, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], url_path="safety-stock")
    def safety_stock(self, request, pk=None):
        """{family: {"safety_stock": units per period, "shortfall_cost": money per unit}}."""
        self._reader(request)
        data = selectors.suggested_safety_stock(_cycle(pk))
        return Response({f: {"safety_stock": v[0], "shortfall_cost": v[1]} for f, v in data.items()})
