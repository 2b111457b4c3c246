"""Who may do what in the cycle workflow: `rules` predicates shared by views, API and templates.

The services enforce the same rules (through cycles.workflow) and say why when they refuse;
these predicates decide which buttons a page shows.
"""
from __future__ import annotations

import rules

from cycles import workflow
from cycles.choices import CycleStatus, StepStatus
from sop.permissions import has_any_role, is_process_owner, uses_pages
from sop.roles import user_roles


def live_signatures(step) -> dict[str, int]:
    """role -> signer id of the step's live signatures (cached on the step instance)."""
    cached = getattr(step, "_live_signatures", None)
    if cached is None:
        prefetched = getattr(step, "_prefetched_objects_cache", {}).get("signoffs")
        rows = prefetched if prefetched is not None else step.signoffs.all()
        cached = {s.role: s.user_id for s in rows if s.voided_at is None}
        step._live_signatures = cached
    return cached


@rules.predicate
def cycle_is_open(user, step) -> bool:
    return step is not None and step.cycle.status == CycleStatus.OPEN


@rules.predicate
def can_sign(user, step) -> bool:
    if step is None or step.cycle.status != CycleStatus.OPEN:
        return False
    return bool(workflow.signable_roles(step.kind, step.status, user_roles(user), live_signatures(step), user.pk))


@rules.predicate
def is_required_signer(user, step) -> bool:
    return step is not None and bool(set(workflow.REQUIRED_ROLES[step.kind]) & user_roles(user))


@rules.predicate
def step_in_play(user, step) -> bool:
    return step is not None and step.status in (StepStatus.OPEN, StepStatus.SENT_BACK)


@rules.predicate
def step_signed_off(user, step) -> bool:
    return step is not None and step.status == StepStatus.SIGNED_OFF


rules.add_perm("cycles.view", has_any_role)
rules.add_perm("cycles.view_pages", uses_pages)
rules.add_perm("cycles.open_cycle", is_process_owner)
rules.add_perm("cycles.change_calendar", is_process_owner)
rules.add_perm("cycles.cancel_cycle", is_process_owner)
rules.add_perm("cycles.sign_step", can_sign)
rules.add_perm("cycles.send_back_step", cycle_is_open & step_in_play & is_required_signer)
rules.add_perm("cycles.reopen_step", is_process_owner & step_signed_off)


def signable_roles_for(user, step) -> tuple[str, ...]:
    if step.cycle.status != CycleStatus.OPEN:
        return ()
    return workflow.signable_roles(step.kind, step.status, user_roles(user), live_signatures(step), user.pk)
