"""The plan row every writer of a cycle's demand plan locks, its revision, and shared checks."""
from __future__ import annotations

from django.utils import timezone

from cycles.choices import StepKind
from cycles.models import Cycle, Step
from reviews.demand.permissions import EDIT_ROLE_REFUSAL, EDITOR_ROLES, closed_reason
from reviews.models import DemandPlan
from sop.errors import (
    ConflictError,
    PermissionDeniedError,
    PreconditionFailedError,
    PreconditionRequiredError,
)
from sop.roles import user_roles


def plan_for(cycle: Cycle) -> DemandPlan:
    plan, _ = DemandPlan.objects.get_or_create(cycle=cycle)
    return plan


def lock_plan(cycle: Cycle) -> DemandPlan:
    """The cycle's plan row, locked for this transaction (writers of one plan queue here)."""
    plan_for(cycle)
    return DemandPlan.objects.select_for_update().get(cycle=cycle)


def next_revision(plan: DemandPlan) -> int:
    plan.revision += 1
    DemandPlan.objects.filter(pk=plan.pk).update(revision=plan.revision, updated_at=timezone.now())
    return plan.revision


def demand_step(cycle: Cycle) -> Step | None:
    return Step.objects.filter(cycle=cycle, kind=StepKind.DEMAND_REVIEW).first()


def _check_can_edit(actor, cycle: Cycle) -> None:
    """403 for a role that never edits; 409 when the plan cannot change now (step, freeze)."""
    if not EDITOR_ROLES & user_roles(actor):
        raise PermissionDeniedError(EDIT_ROLE_REFUSAL)
    cycle._demand_state = None  # re-read the step and the freeze inside the transaction
    reason = closed_reason(cycle)
    if reason:
        raise ConflictError(reason)


def _check_version(obj, expected: int | None, what: str) -> None:
    if expected is None:
        raise PreconditionRequiredError(
            f"Changing {what} needs the version you read (If-Match header): it keeps a later save from "
            "silently overwriting an earlier one.", {"version": obj.version})
    if int(expected) != obj.version:
        raise PreconditionFailedError(
            f"{what[0].upper()}{what[1:]} was changed by someone else since you read it "
            f"(your version {expected}, now {obj.version}); reload and apply your change again.",
            {"version": obj.version, "current": getattr(obj, "_current_state", None)})
