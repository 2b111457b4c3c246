"""Import API: POST rows (JSON) or a CSV body per kind with an Idempotency-Key; read batches
and their error reports; list, waive and re-run data-quality findings."""
from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cycles.choices import CycleStatus
from cycles.models import Cycle
from reviews import selectors
from reviews.api import serializers as s
from reviews.filtersets import FindingFilter, ImportBatchFilter
from reviews.imports import files, kinds
from reviews.models import Finding, ImportSource, ImportStatus
from reviews.services import imports, quality
from sop.errors import ApplicationError, NotFoundError, PermissionDeniedError

STATUS_CODES = {
    ImportStatus.APPLIED: status.HTTP_201_CREATED,
    ImportStatus.VALIDATED: status.HTTP_200_OK,
    ImportStatus.DUPLICATE: status.HTTP_200_OK,
    ImportStatus.PENDING: status.HTTP_202_ACCEPTED,
    ImportStatus.RUNNING: status.HTTP_202_ACCEPTED,
    ImportStatus.REJECTED: status.HTTP_422_UNPROCESSABLE_ENTITY,
    ImportStatus.FAILED: status.HTTP_500_INTERNAL_SERVER_ERROR,
}


class HasRole(BasePermission):
    message = "Your account has no S&OP role."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("reviews.view"))


class CSVParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read() if stream is not None else b""


def _cycle(label: str | None) -> Cycle | None:
    if not label:
        return None
    cycle = Cycle.objects.filter(label=label, status=CycleStatus.OPEN).first() or Cycle.objects.filter(label=label).first()
    if cycle is None:
        raise NotFoundError(f"No cycle {label}.", {"cycle": label})
    return cycle


def _flag(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def batch_response(batch) -> Response:
    data = s.ImportBatchSerializer(batch).data
    code = STATUS_CODES.get(batch.status, 200)
    if batch.status in (ImportStatus.REJECTED, ImportStatus.FAILED):
        return Response({"message": batch.message, "extra": {"batch": data}}, status=code)
    return Response(data, status=code)


class ImportCreate(APIView):
    """POST /api/v1/imports/{kind}/: JSON {"rows": [...], "cycle"?, "dry_run"?} or a bare list, or a
    text/csv body (cycle and dry_run as query parameters). Idempotency-Key is required unless dry_run."""

    permission_classes = [HasRole]
    parser_classes = [JSONParser, CSVParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("cycle", str, OpenApiParameter.QUERY, required=False),
            OpenApiParameter("dry_run", bool, OpenApiParameter.QUERY, required=False),
        ],
        request={"application/json": {"type": "object"}, "text/csv": {"type": "string"}},
        responses={200: s.ImportBatchSerializer, 201: s.ImportBatchSerializer, 202: s.ImportBatchSerializer},
    )
    def post(self, request, kind: str):
        kinds.get(kind)
        data = request.data
        options = dict(request.query_params.items())
        if isinstance(data, bytes):
            source = files.Source(name=f"{kind}.csv", data=data)
            body = data
        else:
            if isinstance(data, dict):
                options.update({k: v for k, v in data.items() if k in ("cycle", "dry_run")})
                rows = data.get("rows")
            else:
                rows = data
            if not isinstance(rows, list):
                raise ApplicationError('Send {"rows": [{...}, ...]} or a list of row objects, or a text/csv body.', {"rows": "required"})
            source = files.Source(name=f"{kind}.json", rows=rows)
            body = json.dumps(rows, sort_keys=True, separators=(",", ":"), default=str).encode()
        dry_run = _flag(options.get("dry_run", False))
        cycle = _cycle(options.get("cycle"))
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key and not dry_run:
            raise ApplicationError("An Idempotency-Key header is required to import (any unique string per request).",
                                   {"Idempotency-Key": "required"})
        if len(key) > 200:
            raise ApplicationError("The Idempotency-Key is longer than 200 characters.", {"Idempotency-Key": "too long"})
        fingerprint = imports.request_fingerprint(kind=kind, cycle=cycle, dry_run=dry_run, body=body)
        batch = imports.import_data(
            actor=request.user, kind=kind, source=source, cycle=cycle, dry_run=dry_run, origin=ImportSource.API,
            idempotency_key=key, request_hash=fingerprint if key else "", run_async=False,
        )
        return batch_response(batch)


class ImportList(generics.ListAPIView):
    """Import batches, newest first, with their outcome and error report."""

    permission_classes = [HasRole]
    serializer_class = s.ImportBatchSerializer
    filterset_class = ImportBatchFilter
    queryset = selectors.batches()


class ImportDetail(generics.RetrieveAPIView):
    permission_classes = [HasRole]
    serializer_class = s.ImportBatchSerializer
    queryset = selectors.batches()


class FindingList(generics.ListAPIView):
    """Data-quality findings (filter by cycle label, severity, status, check)."""

    permission_classes = [HasRole]
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilter
    queryset = Finding.objects.select_related("cycle", "waived_by").order_by("cycle_id", "status", "severity", "check_code", "subject")


class FindingWaive(APIView):
    permission_classes = [HasRole]

    @extend_schema(request=s.WaiveSerializer, responses=s.FindingSerializer)
    def post(self, request, pk: int):
        finding = generics.get_object_or_404(Finding.objects.select_related("cycle"), pk=pk)
        data = s.WaiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = quality.finding_waive(actor=request.user, finding=finding, comment=data.validated_data["comment"])
        return Response(s.FindingSerializer(Finding.objects.select_related("cycle", "waived_by").get(pk=finding.pk)).data)


class ChecksRun(APIView):
    permission_classes = [HasRole]

    @extend_schema(request=s.ChecksSerializer, responses={200: {"type": "object"}})
    def post(self, request):
        data = s.ChecksSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.has_perm("reviews.run_checks"):
            raise PermissionDeniedError("Your role may not run the data-quality checks.")
        cycle = _cycle(data.validated_data["cycle"])
        return Response(quality.checks_run(cycle=cycle, actor=request.user, reason="on demand"))
