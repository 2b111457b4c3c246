"""Every write of the cycle workflow. Each function is one transaction with its history rows.

Services check the rules themselves (pages and API call the same functions), so a refusal is
one ApplicationError whatever the door.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cycles import hooks, workflow
from cycles.choices import CycleStatus, StepKind, StepStatus
from cycles.models import Cycle, Event, SignOff, Step
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError
from sop.roles import Role, user_roles


def _actor_label(actor) -> str:
    return actor.get_username() if actor is not None else "system"


def event_record(
    *,
    actor,
    verb: str,
    cycle: Cycle | None = None,
    step: Step | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: Any = None,
    after: Any = None,
    comment: str = "",
) -> Event:
    """Appends one history row. Every app records its transitions through this function."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    if step is not None and cycle is None:
        cycle = step.cycle
    return Event.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=_actor_label(actor),
        verb=verb,
        cycle=cycle,
        step=step,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=(object_repr or "")[:255],
        before=before,
        after=after,
        comment=comment or "",
    )


_ERROR_CLASSES = {"forbidden": PermissionDeniedError, "state": ConflictError, "invalid": ApplicationError}


def _refuse(exc: workflow.WorkflowError) -> ApplicationError:
    """A workflow refusal as the matching error: 403 forbidden, 409 state, 400 invalid."""
    return _ERROR_CLASSES.get(getattr(exc, "code", "invalid"), ApplicationError)(str(exc))


def _step_state(step: Step) -> dict:
    return {"status": step.status, "version": step.version}


def _set_status(step: Step, new_status: str, **fields) -> None:
    """Compare-and-swap on (status, version): a concurrent move makes this one fail cleanly."""
    updated = Step.objects.filter(pk=step.pk, status=step.status, version=step.version).update(
        status=new_status, version=step.version + 1, **fields
    )
    if updated != 1:
        raise ConflictError(f"{step.get_kind_display()} changed while you were working; reload and try again.")
    step.status = new_status
    step.version += 1
    for name, value in fields.items():
        setattr(step, name, value)


def _open_step(step: Step, *, actor) -> None:
    before = _step_state(step)
    _set_status(step, StepStatus.OPEN, opened_at=timezone.now())
    event_record(actor=actor, verb="step.opened", step=step, obj=step, before=before, after=_step_state(step))


@transaction.atomic
def cycle_open(
    *,
    actor,
    label: str,
    executive_meeting_date: dt.date | None = None,
    due_dates: Mapping[str, dt.date] | None = None,
    horizon_months: int = workflow.DEFAULT_HORIZON,
) -> Cycle:
    """Opens a month's cycle with its calendar; step 1 (data gathering) opens at once."""
    if Role.PROCESS_OWNER not in user_roles(actor):
        raise PermissionDeniedError("Only the process owner opens a cycle.")
    try:
        start = workflow.parse_label(label)
        workflow.validate_horizon(horizon_months)
    except workflow.WorkflowError as exc:
        raise _refuse(exc) from exc
    default_dues, default_meeting = workflow.default_calendar(label)
    dues = {**default_dues, **{k: v for k, v in (due_dates or {}).items() if v}}
    unknown = set(dues) - set(workflow.STEP_ORDER)
    if unknown:
        raise ApplicationError(f"Unknown step kind(s) in the calendar: {', '.join(sorted(unknown))}.")
    meeting = executive_meeting_date or default_meeting
    errors = workflow.validate_calendar(dues, meeting)
    if errors:
        raise ApplicationError(" ".join(errors), {"calendar": errors})
    if Cycle.objects.filter(label=label, status=CycleStatus.OPEN).exists():
        raise ConflictError(f"Cycle {label} is already open; one open cycle per month.")
    try:
        with transaction.atomic():
            cycle = Cycle.objects.create(
                label=label,
                start_month=start,
                executive_meeting_date=meeting,
                horizon_months=horizon_months,
                opened_by=actor,
            )
    except IntegrityError as exc:  # a concurrent open of the same month
        raise ConflictError(f"Cycle {label} is already open; one open cycle per month.") from exc
    steps = Step.objects.bulk_create(
        [
            Step(cycle=cycle, kind=kind, position=i + 1, due_date=dues[kind])
            for i, kind in enumerate(workflow.STEP_ORDER)
        ]
    )
    event_record(
        actor=actor,
        verb="cycle.opened",
        cycle=cycle,
        obj=cycle,
        after={
            "label": label,
            "executive_meeting_date": meeting.isoformat(),
            "horizon_months": horizon_months,
            "due_dates": {k: dues[k].isoformat() for k in workflow.STEP_ORDER},
        },
    )
    first = Step.objects.get(pk=steps[0].pk)
    _open_step(first, actor=actor)
    return cycle


@transaction.atomic
def cycle_update_calendar(
    *, actor, cycle: Cycle, due_dates: Mapping[str, dt.date], executive_meeting_date: dt.date
) -> Cycle:
    """The process owner moves due dates or the executive meeting; recorded with before/after."""
    if Role.PROCESS_OWNER not in user_roles(actor):
        raise PermissionDeniedError("Only the process owner changes a cycle's calendar.")
    if cycle.status != CycleStatus.OPEN:
        raise ApplicationError(f"Cycle {cycle.label} is {cycle.get_status_display().lower()}; its calendar is fixed.")
    steps = {s.kind: s for s in cycle.steps.select_for_update()}
    dues = {kind: due_dates.get(kind) or steps[kind].due_date for kind in workflow.STEP_ORDER}
    errors = workflow.validate_calendar(dues, executive_meeting_date)
    if errors:
        raise ApplicationError(" ".join(errors), {"calendar": errors})
    before = {
        "executive_meeting_date": cycle.executive_meeting_date.isoformat(),
        "due_dates": {k: s.due_date.isoformat() for k, s in steps.items()},
    }
    for kind, step in steps.items():
        if step.due_date != dues[kind]:
            Step.objects.filter(pk=step.pk).update(due_date=dues[kind])
    Cycle.objects.filter(pk=cycle.pk).update(executive_meeting_date=executive_meeting_date)
    cycle.executive_meeting_date = executive_meeting_date
    after = {
        "executive_meeting_date": executive_meeting_date.isoformat(),
        "due_dates": {k: dues[k].isoformat() for k in workflow.STEP_ORDER},
    }
    if after != before:
        event_record(actor=actor, verb="cycle.calendar_changed", cycle=cycle, obj=cycle, before=before, after=after)
    return cycle


def _live_signatures(step: Step) -> dict[str, int]:
    return dict(step.signoffs.filter(voided_at__isnull=True).values_list("role", "user_id"))


def _lock(step: Step) -> Step:
    return Step.objects.select_for_update().select_related("cycle").get(pk=step.pk)


def _check_cycle_open(step: Step) -> None:
    if step.cycle.status != CycleStatus.OPEN:
        raise ApplicationError(f"Cycle {step.cycle.label} is {step.cycle.get_status_display().lower()}.")


@transaction.atomic
def step_sign(*, actor, step: Step, role: str | None = None, comment: str = "") -> Step:
    """Records the actor's signature for one role; the step is signed off when every
    required role has signed, and the next step opens."""
    step = _lock(step)
    _check_cycle_open(step)
    signatures = _live_signatures(step)
    try:
        role = workflow.check_sign(step.kind, step.status, user_roles(actor), signatures, actor.pk, role or None)
    except workflow.WorkflowError as exc:
        raise _refuse(exc) from exc
    for guard in hooks.sign_guards(step.kind):
        guard(step=step, actor=actor, role=role)
    try:
        with transaction.atomic():
            signoff = SignOff.objects.create(step=step, role=role, user=actor, comment=comment or "")
    except IntegrityError as exc:
        raise ConflictError("Someone signed this step for that role at the same moment; reload.") from exc
    event_record(
        actor=actor,
        verb="step.signed",
        step=step,
        obj=step,
        after={"role": role, "signoff": signoff.pk},
        comment=comment,
    )
    signatures[role] = actor.pk
    if workflow.is_complete(step.kind, set(signatures)):
        before = _step_state(step)
        _set_status(step, StepStatus.SIGNED_OFF, signed_off_at=timezone.now())
        event_record(
            actor=actor,
            verb="step.signed_off",
            step=step,
            obj=step,
            before=before,
            after={**_step_state(step), "signed_by": signatures},
        )
        for callback in hooks.signed_off_callbacks(step.kind):
            callback(step=step, actor=actor)
        following = workflow.next_kind(step.kind)
        if following is None:
            _close_cycle(step.cycle, actor=actor)
        else:
            nxt = Step.objects.select_for_update().get(cycle=step.cycle, kind=following)
            if nxt.status == StepStatus.PENDING:
                _open_step(nxt, actor=actor)
    else:
        # A signature on a sent-back step puts it back in play.
        if step.status == StepStatus.SENT_BACK:
            before = _step_state(step)
            _set_status(step, StepStatus.OPEN)
            event_record(actor=actor, verb="step.resumed", step=step, obj=step, before=before, after=_step_state(step))
        else:
            Step.objects.filter(pk=step.pk).update(version=step.version + 1)
            step.version += 1
    return step


def _void(signoffs, *, actor, reason: str) -> list[int]:
    ids = list(signoffs.values_list("pk", flat=True))
    if ids:
        SignOff.objects.filter(pk__in=ids).update(voided_at=timezone.now(), void_reason=reason)
    return ids


@transaction.atomic
def step_send_back(*, actor, step: Step, comment: str) -> Step:
    """A required signer returns the step for rework: its live signatures are voided."""
    step = _lock(step)
    _check_cycle_open(step)
    try:
        workflow.check_send_back(step.kind, step.status, user_roles(actor), comment)
    except workflow.WorkflowError as exc:
        raise _refuse(exc) from exc
    live = step.signoffs.filter(voided_at__isnull=True)
    voided_roles = list(live.values_list("role", flat=True))
    voided = _void(live, actor=actor, reason=f"Sent back by {actor.get_username()}: {comment.strip()}")
    before = _step_state(step)
    _set_status(step, StepStatus.SENT_BACK)
    event_record(
        actor=actor,
        verb="step.sent_back",
        step=step,
        obj=step,
        before={**before, "signed_roles": voided_roles},
        after={**_step_state(step), "voided_signoffs": voided},
        comment=comment.strip(),
    )
    return step


@transaction.atomic
def step_reopen(*, actor, step: Step, comment: str) -> Step:
    """The process owner reopens a signed-off step: the sign-offs of that step and every later
    step are voided, later steps go back to not-yet-open; a closed cycle opens again."""
    step = _lock(step)
    cycle = step.cycle
    try:
        workflow.check_reopen(step.kind, step.status, user_roles(actor), comment)
    except workflow.WorkflowError as exc:
        raise _refuse(exc) from exc
    if cycle.status == CycleStatus.CANCELLED:
        raise ApplicationError(f"Cycle {cycle.label} was cancelled.")
    if cycle.status == CycleStatus.CLOSED:
        if Cycle.objects.filter(label=cycle.label, status=CycleStatus.OPEN).exclude(pk=cycle.pk).exists():
            raise ConflictError(f"Another cycle {cycle.label} is open; one open cycle per month.")
        Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.OPEN, closed_at=None)
        cycle.status = CycleStatus.OPEN
        event_record(actor=actor, verb="cycle.reopened", cycle=cycle, obj=cycle, comment=comment.strip())
    affected = list(
        Step.objects.select_for_update().filter(cycle=cycle, position__gte=step.position).order_by("position")
    )
    reason = f"Reopened {step.get_kind_display()} by {actor.get_username()}: {comment.strip()}"
    voided = _void(SignOff.objects.filter(step__in=affected, voided_at__isnull=True), actor=actor, reason=reason)
    changes = []
    for s in affected:
        before = _step_state(s)
        target = StepStatus.OPEN if s.pk == step.pk else StepStatus.PENDING
        if s.status == target:
            continue
        fields = {"signed_off_at": None}
        if target == StepStatus.PENDING:
            fields["opened_at"] = None
        _set_status(s, target, **fields)
        changes.append({"step": s.kind, "before": before["status"], "after": target})
    event_record(
        actor=actor,
        verb="step.reopened",
        step=step,
        obj=step,
        before={"steps": {c["step"]: c["before"] for c in changes}},
        after={"steps": {c["step"]: c["after"] for c in changes}, "voided_signoffs": voided},
        comment=comment.strip(),
    )
    for s in affected:
        for callback in hooks.reopened_callbacks(s.kind):
            callback(step=s, actor=actor)
    return Step.objects.get(pk=step.pk)


def _close_cycle(cycle: Cycle, *, actor) -> None:
    updated = Cycle.objects.filter(pk=cycle.pk, status=CycleStatus.OPEN).update(
        status=CycleStatus.CLOSED, closed_at=timezone.now()
    )
    if updated:
        cycle.status = CycleStatus.CLOSED
        event_record(actor=actor, verb="cycle.closed", cycle=cycle, obj=cycle, comment="All six steps signed off.")


@transaction.atomic
def cycle_cancel(*, actor, cycle: Cycle, comment: str) -> Cycle:
    """The process owner cancels an open cycle (opened by mistake, say). Kept, never deleted."""
    if Role.PROCESS_OWNER not in user_roles(actor):
        raise PermissionDeniedError("Only the process owner cancels a cycle.")
    if not (comment or "").strip():
        raise ApplicationError("Cancelling a cycle needs a comment saying why.")
    updated = Cycle.objects.filter(pk=cycle.pk, status=CycleStatus.OPEN).update(
        status=CycleStatus.CANCELLED, closed_at=timezone.now()
    )
    if not updated:
        raise ApplicationError(f"Only an open cycle can be cancelled; {cycle.label} is {cycle.get_status_display().lower()}.")
    cycle.refresh_from_db()
    event_record(actor=actor, verb="cycle.cancelled", cycle=cycle, obj=cycle, comment=comment.strip())
    return cycle


__all__ = [
    "cycle_cancel",
    "cycle_open",
    "cycle_update_calendar",
    "event_record",
    "step_reopen",
    "step_send_back",
    "step_sign",
    "StepKind",
]
