"""Demo scenarios for the open demo cycle: the base plan and a supplier failure, both queued for
a solve (the worker started by `make run` solves them). Idempotent."""
from __future__ import annotations

from django.contrib.auth import get_user_model

from cycles.choices import CycleStatus
from cycles.models import Cycle
from optimizer import services
from optimizer.models import Scenario
from sop.errors import ApplicationError

DEMO_GAP = 1e-3  # the demo's MIP: 0.1% in ~1.5 s of solve; 0.01% in 8-10 s (was 36 s, see docs/solver-choice.md)
DEMO_TIME_LIMIT = 120.0


def _outage_months(periods: list[str]) -> tuple[str, str]:
    """The first January..March a year or more into the horizon: after the forward buy that the
    plan makes ahead of the die tariff, so the outage really bites."""
    for i, label in enumerate(periods):
        if i >= 12 and label.endswith("-01") and i + 2 < len(periods):
            return label, periods[i + 2]
    return periods[-3], periods[-1]


def scenarios_for(cycle: Cycle) -> list[dict]:
    start, end = _outage_months(cycle.periods)
    return [
        {"name": "Base plan", "description": "The cycle's demand and capacity as gathered; no what-if.", "levers": []},
        {"name": "Supplier failure: FPGA die contract foundry out for a quarter",
         "description": f"The contract foundry cannot ship FPGA dies ordered in {start}..{end}: only the spot broker "
                        "and air freight remain, at their premiums.",
         "levers": [{"type": "supplier_failure", "component": "DIE", "option": "contract", "from": start, "to": end,
                     "label": "Foundry out"}]},
    ]


def seed(*, stdout) -> None:
    cycle = Cycle.objects.filter(status=CycleStatus.OPEN).order_by("-start_month").first()
    if cycle is None:
        return
    planner = get_user_model().objects.get(username="supply")
    for spec in scenarios_for(cycle):
        scenario = Scenario.objects.filter(cycle=cycle, name=spec["name"]).first()
        if scenario is None:
            scenario = services.scenario_create(actor=planner, cycle=cycle, **spec)
            stdout.write(f"Scenario {scenario.name!r} created for cycle {cycle.label}.")
        if scenario.runs.exists():
            continue
        try:
            run = services.solve_submit(actor=planner, scenario=scenario, gap=DEMO_GAP, time_limit=DEMO_TIME_LIMIT)
        except ApplicationError as exc:
            stdout.write(f"  not solved: {exc.message}")
            continue
        stdout.write(f"  solve #{run.pk} queued (the worker solves it; see /solves/{run.pk}/).")
