"""Plugs the demand review into the cycle: panel, sign guard, freeze/unfreeze, nav, to-dos."""
from __future__ import annotations


def register() -> None:
    from cycles import hooks
    from cycles.choices import StepKind
    from reviews.demand import (  # noqa: F401  (tasks: known to the worker)
        permissions,  # noqa: F401  (registers the rules)
        services,
        tasks,
    )
    from reviews.demand.todos import demand_todos
    from sop import navigation

    hooks.register_panel(StepKind.DEMAND_REVIEW, hooks.Panel("Demand plan", "demand_panel", kwarg="step_id"))
    hooks.register_sign_guard(StepKind.DEMAND_REVIEW, services.demand_sign_guard)
    hooks.register_signed_off(StepKind.DEMAND_REVIEW, services.demand_freeze)
    hooks.register_reopened(StepKind.DEMAND_REVIEW, services.demand_unfreeze)
    hooks.register_todo_provider(demand_todos)
    navigation.register(navigation.NavItem("Demand", "demand_home", perm="reviews.view_demand", order=30))
