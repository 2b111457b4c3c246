"""Dashboard to-dos of the demand review: assumptions of earlier cycles waiting for their review."""
from __future__ import annotations

from cycles.choices import CycleStatus, StepKind, StepStatus
from cycles.models import Step
from reviews.demand.permissions import EDITOR_ROLES
from reviews.models import Assumption, AssumptionOutcome
from sop.roles import user_roles


def demand_todos(user) -> list[dict]:
    if not EDITOR_ROLES & user_roles(user):
        return []
    step = (Step.objects.filter(kind=StepKind.DEMAND_REVIEW, status__in=[StepStatus.OPEN, StepStatus.SENT_BACK],
                                cycle__status=CycleStatus.OPEN).select_related("cycle")
            .order_by("-cycle__start_month").first())
    if step is None:
        return []
    waiting = Assumption.objects.filter(cycle__start_month__lt=step.cycle.start_month,
                                        outcome=AssumptionOutcome.UNREVIEWED).count()
    if not waiting:
        return []
    return [{
        "title": f"Review {waiting} assumption(s) of earlier cycles: held or did not hold?",
        "detail": f"in the assumption register of cycle {step.cycle.label}",
        "url": f"/demand/{step.cycle_id}/assumptions/?outcome=unreviewed&scope=earlier",
        "due": step.due_date,
        "late": False,
    }]
