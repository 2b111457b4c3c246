"""Who may do what in the demand review: `rules` predicates shared by views, API and templates.

- read the pages: any role that uses pages (finance, supply, executive read only);
- edit overrides and assumptions: demand planner or sales, while step 2 is open (or sent
  back) and the consensus is not frozen;
- start a baseline run: process owner or demand planner, while the cycle is open and the
  consensus is not frozen;
- record whether an assumption held: demand planner or sales;
- read the consensus through the API: any role, the ERP's integration account included.

The services apply the same rules and say why when they refuse (`edit_refusal`).
"""
from __future__ import annotations

import rules

from cycles.choices import CycleStatus, StepKind, StepStatus
from sop.permissions import has_any_role, is_demand_planner, is_process_owner, is_sales, uses_pages
from sop.roles import Role, user_roles

EDITOR_ROLES = frozenset({Role.DEMAND_PLANNER, Role.SALES})
RUNNER_ROLES = frozenset({Role.PROCESS_OWNER, Role.DEMAND_PLANNER})


def demand_state(cycle) -> dict:
    """The demand review step's status and the freeze, cached on the cycle instance."""
    cached = getattr(cycle, "_demand_state", None)
    if cached is None:
        from reviews.models import DemandPlan

        step_status = cycle.steps.filter(kind=StepKind.DEMAND_REVIEW).values_list("status", flat=True).first()
        frozen = DemandPlan.objects.filter(cycle=cycle, frozen_at__isnull=False).exists()
        cached = {"step_status": step_status, "frozen": frozen}
        cycle._demand_state = cached
    return cached


def closed_reason(cycle) -> str | None:
    """Why the consensus cannot change now, or None."""
    if cycle.status != CycleStatus.OPEN:
        return f"Cycle {cycle.label} is {cycle.get_status_display().lower()}; its demand plan cannot change."
    state = demand_state(cycle)
    if state["frozen"]:
        return "The consensus is frozen: demand review is signed off (the process owner can reopen it)."
    if state["step_status"] not in (StepStatus.OPEN, StepStatus.SENT_BACK):
        return "Demand review is not open yet: the data gathering step must be signed off first."
    return None


EDIT_ROLE_REFUSAL = "Only the demand planner and sales change the demand plan."
RUN_ROLE_REFUSAL = "Only the process owner or the demand planner starts a baseline forecast."


def edit_refusal(user, cycle) -> str | None:
    """Why the user may not change the cycle's plan now, or None."""
    if not EDITOR_ROLES & user_roles(user):
        return EDIT_ROLE_REFUSAL
    return closed_reason(cycle)


def run_state_refusal(cycle) -> str | None:
    if cycle.status != CycleStatus.OPEN:
        return f"Cycle {cycle.label} is {cycle.get_status_display().lower()}."
    if demand_state(cycle)["frozen"]:
        return "The consensus is frozen: demand review is signed off."
    return None


def run_refusal(user, cycle) -> str | None:
    """Why the user may not start a baseline run now, or None."""
    if not RUNNER_ROLES & user_roles(user):
        return RUN_ROLE_REFUSAL
    return run_state_refusal(cycle)


@rules.predicate
def may_edit_demand(user, cycle) -> bool:
    return cycle is not None and edit_refusal(user, cycle) is None


@rules.predicate
def may_run_baseline(user, cycle) -> bool:
    return cycle is not None and run_refusal(user, cycle) is None


is_demand_editor = is_demand_planner | is_sales

rules.add_perm("reviews.view_demand", uses_pages)
rules.add_perm("reviews.read_consensus", has_any_role)
rules.add_perm("reviews.edit_demand", may_edit_demand)
rules.add_perm("reviews.run_baseline", may_run_baseline)
rules.add_perm("reviews.review_assumption", is_demand_editor)
rules.add_perm("reviews.run_baseline_role", is_process_owner | is_demand_planner)
