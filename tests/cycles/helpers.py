from cycles import services
from cycles.models import Step

SIGNERS = {
    "data_gathering": ["process_owner"],
    "demand_review": ["demand_planner", "sales"],
    "supply_review": ["supply_planner"],
    "pre_sop": ["demand_planner", "supply_planner", "finance"],
    "executive": ["executive"],
    "follow_up": ["process_owner"],
}


def step(cycle, kind) -> Step:
    return Step.objects.get(cycle=cycle, kind=kind)


def sign_through(cycle, personas, *kinds) -> None:
    """Signs the given steps in order with the persona of each required role."""
    for kind in kinds:
        for role in SIGNERS[kind]:
            services.step_sign(actor=personas[role], step=step(cycle, kind), role=role)
