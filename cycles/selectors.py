"""Reads the cycle pages and the API share (no N+1: related rows come in a fixed number of queries)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cycles import hooks, workflow
from cycles.choices import CycleStatus, StepStatus
from cycles.models import Cycle, Event, SignOff, Step
from sop.roles import role_label, user_roles


def live_signoffs_prefetch() -> Prefetch:
    return Prefetch(
        "signoffs", queryset=SignOff.objects.filter(voided_at__isnull=True).select_related("user")
    )


def cycle_list() -> QuerySet[Cycle]:
    return Cycle.objects.select_related("opened_by").prefetch_related(
        Prefetch("steps", queryset=Step.objects.order_by("position"))
    )


def current_cycle() -> Cycle | None:
    """The latest open cycle, or else the latest cycle of any status."""
    qs = Cycle.objects.order_by("-start_month", "-id")
    return qs.filter(status=CycleStatus.OPEN).first() or qs.first()


def cycle_steps(cycle: Cycle) -> list[Step]:
    steps = list(cycle.steps.order_by("position").prefetch_related(live_signoffs_prefetch()))
    for step in steps:
        step.cycle = cycle
    return steps


def step_detail(cycle_id: int, kind: str) -> Step:
    return (
        Step.objects.select_related("cycle", "cycle__opened_by")
        .prefetch_related(live_signoffs_prefetch())
        .get(cycle_id=cycle_id, kind=kind)
    )


def step_queryset() -> QuerySet[Step]:
    return Step.objects.select_related("cycle").prefetch_related(live_signoffs_prefetch())


def events(
    *, cycle: Cycle | None = None, step: Step | None = None, limit: int | None = None
) -> QuerySet[Event]:
    qs = Event.objects.select_related("cycle", "step", "step__cycle").order_by("-created_at", "-id")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if step is not None:
        qs = qs.filter(step=step)
    return qs[:limit] if limit else qs


def signature_tasks(user) -> list[dict]:
    """Open steps of open cycles that still wait for a signature this user can give."""
    roles = user_roles(user)
    if not roles:
        return []
    steps = (
        Step.objects.filter(
            cycle__status=CycleStatus.OPEN, status__in=[StepStatus.OPEN, StepStatus.SENT_BACK]
        )
        .select_related("cycle")
        .prefetch_related(live_signoffs_prefetch())
        .order_by("due_date", "position")
    )
    today = timezone.localdate()
    tasks = []
    for step in steps:
        signatures = {s.role: s.user_id for s in step.signoffs.all()}
        can = workflow.signable_roles(step.kind, step.status, roles, signatures, user.pk)
        if can:
            tasks.append(
                {
                    "title": f"Sign off {step.get_kind_display()} of cycle {step.cycle.label}",
                    "detail": "as " + ", ".join(role_label(r).lower() for r in can)
                    + (" (sent back: rework requested)" if step.status == StepStatus.SENT_BACK else ""),
                    "url": f"/cycles/{step.cycle_id}/{step.kind}/",
                    "due": step.due_date,
                    "late": step.due_date < today,
                }
            )
    return tasks


def my_tasks(user) -> list[dict]:
    """Everything waiting for this user: signatures, plus what other apps register."""
    tasks = signature_tasks(user)
    for provider in hooks.todo_providers():
        tasks.extend(provider(user))
    far = dt.date.max
    return sorted(tasks, key=lambda t: (t.get("due") or far, t["title"]))


def timeline(cycle: Cycle, steps: list[Step] | None = None) -> list[dict]:
    today = timezone.localdate()
    steps = steps if steps is not None else cycle_steps(cycle)
    return [
        {
            "step": s,
            "state": s.timeline_state(today),
            "signed": sorted({so.role for so in s.signoffs.all() if so.voided_at is None}),
            "required": list(workflow.REQUIRED_ROLES[s.kind]),
        }
        for s in steps
    ]
