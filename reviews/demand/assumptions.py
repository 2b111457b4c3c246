"""Assumptions: the written reasons behind overrides, and their review at a later cycle."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cycles.models import Cycle
from cycles.services import event_record
from reviews.demand.permissions import EDITOR_ROLES
from reviews.demand.plans import _check_can_edit, _check_version, demand_step, lock_plan
from reviews.models import Assumption, AssumptionCategory, AssumptionOutcome
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError
from sop.roles import user_roles

MIN_ASSUMPTION_TEXT = 8
ASSUMPTION_REQUIRED = (
    "Every change of the plan needs an assumption: pick one of this cycle's assumptions or write a "
    "new one (category and text)."
)



def _owner(owner) -> object:
    if owner is None or hasattr(owner, "pk"):
        return owner
    try:
        return get_user_model().objects.get(pk=int(owner))
    except (ValueError, TypeError, get_user_model().DoesNotExist):
        raise ApplicationError(f"No user {owner!r} to own the assumption.", {"owner": "unknown user"}) from None


def _clean_assumption(category: str, text: str) -> tuple[str, str]:
    if category not in AssumptionCategory.values:
        raise ApplicationError(
            f"Unknown assumption category {category!r}; use one of: {', '.join(AssumptionCategory.values)}.",
            {"category": "unknown"},
        )
    text = (text or "").strip()
    if len(text) < MIN_ASSUMPTION_TEXT:
        raise ApplicationError(
            f"Write the assumption out (at least {MIN_ASSUMPTION_TEXT} characters): what do you expect, and why?",
            {"text": "too short"},
        )
    return category, text


def _assumption_state(a: Assumption) -> dict:
    return {"ref": a.ref, "category": a.category, "text": a.text, "owner": a.owner.get_username(),
            "outcome": a.outcome, "version": a.version}


def _create_assumption(*, actor, cycle: Cycle, category: str, text: str, owner=None) -> Assumption:
    category, text = _clean_assumption(category, text)
    owner = _owner(owner) or actor
    a = Assumption.objects.create(cycle=cycle, category=category, text=text, owner=owner, created_by=actor)
    event_record(actor=actor, verb="demand.assumption_created", cycle=cycle, step=demand_step(cycle), obj=a,
                 after=_assumption_state(a))
    return a


@transaction.atomic
def assumption_create(*, actor, cycle: Cycle, category: str, text: str, owner=None) -> Assumption:
    """A new written assumption of the cycle (demand planner or sales, while step 2 is open)."""
    lock_plan(cycle)
    _check_can_edit(actor, cycle)
    return _create_assumption(actor=actor, cycle=cycle, category=category, text=text, owner=owner)


@transaction.atomic
def assumption_update(*, actor, assumption: Assumption, expected_version: int | None, category: str | None = None,
                      text: str | None = None, owner=None) -> Assumption:
    """Rewords or re-owns an assumption (If-Match: a stale version is refused with 412)."""
    lock_plan(assumption.cycle)
    a = Assumption.objects.select_for_update().select_related("owner", "cycle").get(pk=assumption.pk)
    _check_can_edit(actor, a.cycle)
    a._current_state = _assumption_state(a)
    _check_version(a, expected_version, f"assumption {a.ref}")
    before = _assumption_state(a)
    new_category, new_text = _clean_assumption(category or a.category, a.text if text is None else text)
    a.category, a.text = new_category, new_text
    if owner is not None:
        a.owner = _owner(owner)
    a.version += 1
    a.save()
    event_record(actor=actor, verb="demand.assumption_changed", cycle=a.cycle, step=demand_step(a.cycle), obj=a,
                 before=before, after=_assumption_state(a))
    return a


@transaction.atomic
def assumption_review(*, actor, assumption: Assumption, outcome: str, note: str = "",
                      in_cycle: Cycle | None = None) -> Assumption:
    """Records at a later cycle whether the assumption held (demand planner or sales)."""
    if not EDITOR_ROLES & user_roles(actor):
        raise PermissionDeniedError("Only the demand planner and sales record whether an assumption held.")
    if outcome not in AssumptionOutcome.values:
        raise ApplicationError(f"Unknown outcome {outcome!r}; use held, did_not_hold or unreviewed.",
                               {"outcome": "unknown"})
    a = Assumption.objects.select_for_update().select_related("owner", "cycle").get(pk=assumption.pk)
    later = Cycle.objects.filter(start_month__gt=a.cycle.start_month).exclude(status="cancelled")
    if not later.exists():
        raise ConflictError(
            f"Assumption {a.ref} belongs to the latest cycle; it is reviewed at a later cycle, when actuals show "
            "whether it held.")
    if outcome == AssumptionOutcome.DID_NOT_HOLD and not (note or "").strip():
        raise ApplicationError("Say what happened instead (a note) when an assumption did not hold.",
                               {"note": "required"})
    before = _assumption_state(a)
    a.outcome = outcome
    a.review_note = (note or "").strip()
    reviewed = outcome != AssumptionOutcome.UNREVIEWED
    a.reviewed_by = actor if reviewed else None
    a.reviewed_at = timezone.now() if reviewed else None
    a.reviewed_in = (in_cycle or later.order_by("-start_month").first()) if reviewed else None
    a.version += 1
    a.save()
    event_record(actor=actor, verb="demand.assumption_reviewed", cycle=a.reviewed_in or a.cycle, obj=a,
                 before=before, after={**_assumption_state(a), "note": a.review_note}, comment=a.review_note)
    return a


def resolve_assumption(*, actor, cycle: Cycle, assumption_id=None, new: dict | None = None) -> Assumption:
    """The assumption an edit cites: one of the cycle's (by id) or a new one written with it."""
    if assumption_id not in (None, ""):
        try:
            return Assumption.objects.get(pk=int(str(assumption_id).lstrip("Aa")), cycle=cycle)
        except (ValueError, Assumption.DoesNotExist):
            raise ApplicationError(f"Assumption {assumption_id} is not one of cycle {cycle.label}'s.",
                                   {"assumption": "unknown"}) from None
    if new and (new.get("text") or "").strip():
        return _create_assumption(actor=actor, cycle=cycle, category=new.get("category") or "",
                                  text=new.get("text") or "", owner=new.get("owner"))
    raise ApplicationError(ASSUMPTION_REQUIRED, {"assumption": "required"})
