"""Cycle API: read cycles, steps, sign-offs and history; workflow moves as explicit POST actions."""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from cycles import selectors, services
from cycles.api import serializers as s
from cycles.filtersets import CycleFilter, EventFilter, SignOffFilter, StepFilter
from cycles.models import Cycle, Event, SignOff, Step


class HasRole(BasePermission):
    """Any S&OP role (integration included) may read; actions check their own rules."""

    message = "Your account has no S&OP role."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("cycles.view"))


class CycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cycles. POST opens one (process owner only)."""

    permission_classes = [HasRole]
    serializer_class = s.CycleSerializer
    filterset_class = CycleFilter
    queryset = Cycle.objects.select_related("opened_by").prefetch_related(
        Prefetch("steps", queryset=Step.objects.order_by("position"))
    ).order_by("-start_month", "-id")

    @extend_schema(request=s.CycleOpenSerializer, responses={201: s.CycleSerializer})
    def create(self, request):
        data = s.CycleOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cycle = services.cycle_open(actor=request.user, **data.validated_data)
        return Response(s.CycleSerializer(self.get_queryset().get(pk=cycle.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CalendarSerializer, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"])
    def calendar(self, request, pk=None):
        cycle = self.get_object()
        data = s.CalendarSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cycle_update_calendar(
            actor=request.user,
            cycle=cycle,
            due_dates=data.validated_data.get("due_dates", {}),
            executive_meeting_date=data.validated_data["executive_meeting_date"],
        )
        return Response(s.CycleSerializer(self.get_queryset().get(pk=cycle.pk)).data)

    @extend_schema(request=s.CommentSerializer, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        cycle = self.get_object()
        data = s.CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cycle_cancel(actor=request.user, cycle=cycle, comment=data.validated_data["comment"])
        return Response(s.CycleSerializer(self.get_queryset().get(pk=cycle.pk)).data)


class StepViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Steps with their required and signed roles. Sign, send back and reopen are POST actions."""

    permission_classes = [HasRole]
    serializer_class = s.StepSerializer
    filterset_class = StepFilter

    def get_queryset(self):
        return selectors.step_queryset().order_by("-cycle__start_month", "cycle_id", "position")

    def _respond(self, step):
        return Response(s.StepSerializer(self.get_queryset().get(pk=step.pk)).data)

    @extend_schema(request=s.SignSerializer, responses=s.StepSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        step = self.get_object()
        data = s.SignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = services.step_sign(
            actor=request.user, step=step, role=data.validated_data.get("role") or None,
            comment=data.validated_data.get("comment", ""),
        )
        return self._respond(step)

    @extend_schema(request=s.CommentSerializer, responses=s.StepSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        step = self.get_object()
        data = s.CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = services.step_send_back(actor=request.user, step=step, comment=data.validated_data["comment"])
        return self._respond(step)

    @extend_schema(request=s.CommentSerializer, responses=s.StepSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        step = self.get_object()
        data = s.CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = services.step_reopen(actor=request.user, step=step, comment=data.validated_data["comment"])
        return self._respond(step)


class SignOffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every signature ever given, live or voided (a voided one says why)."""

    permission_classes = [HasRole]
    serializer_class = s.SignOffSerializer
    filterset_class = SignOffFilter
    queryset = SignOff.objects.select_related("user", "step").order_by("-signed_at", "-id")


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The append-only history, newest first, filterable by cycle, step, verb, actor, object and time."""

    permission_classes = [HasRole]
    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    queryset = Event.objects.select_related("cycle", "step").order_by("-created_at", "-id")
