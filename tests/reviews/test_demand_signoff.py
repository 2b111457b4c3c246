"""Sign-off of step 2 needs the demand planner and sales; the consensus is then frozen for the
cycle's later steps; a reopen unfreezes it, recorded in the history."""
import pytest

from cycles import services as cycle_services
from cycles.models import Event
from reviews.demand import runs, services
from reviews.demand.services import Target
from reviews.models import DemandPlan
from sop.errors import ApplicationError, ConflictError
from tests.cycles.helpers import sign_through, step
from tests.reviews.demand_helpers import catalog, d, install_baseline, open_demand_review, ship

pytestmark = pytest.mark.django_db
NEW = {"category": "promotion", "text": "E-commerce promotion in Q4"}


@pytest.fixture
def setup(cycle, personas):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    return cycle, fams, chans


def edit(cycle, actor, fams, chans):
    target = Target(period=d("2027-02"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,))
    return services.consensus_edit(actor=actor, cycle=cycle, targets=[target], kind="absolute", value=10,
                                   new_assumption=NEW, require_seen=False)


def test_sign_off_needs_both_demand_planner_and_sales_then_freezes(setup, personas, demand, sales):
    cycle, fams, chans = setup
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100})
    cycle_services.step_sign(actor=demand, step=step(cycle, "demand_review"), role="demand_planner")
    assert not DemandPlan.objects.get(cycle=cycle).is_frozen
    edit(cycle, sales, fams, chans)  # still open after one signature
    cycle_services.step_sign(actor=sales, step=step(cycle, "demand_review"), role="sales")
    plan = DemandPlan.objects.get(cycle=cycle)
    assert plan.is_frozen and plan.frozen_by == sales
    frozen = Event.objects.get(verb="demand.consensus_frozen")
    assert frozen.after["units"] == str(100 * 23 + 10)
    cycle._demand_state = None
    with pytest.raises(ConflictError, match="frozen"):
        edit(cycle, demand, fams, chans)
    with pytest.raises(ConflictError, match="frozen"):
        runs.forecast_run_start(actor=demand, cycle=cycle)


def test_reopen_unfreezes_and_is_recorded(setup, personas, owner, demand):
    cycle, fams, chans = setup
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100})
    sign_through(cycle, personas, "demand_review")
    cycle_services.step_reopen(actor=owner, step=step(cycle, "demand_review"), comment="ACME order moved")
    assert not DemandPlan.objects.get(cycle=cycle).is_frozen
    assert Event.objects.filter(verb="demand.consensus_unfrozen", comment="Demand review reopened.").exists()
    cycle._demand_state = None
    edit(cycle, demand, fams, chans)


def test_reopening_data_gathering_also_unfreezes(setup, personas, owner):
    cycle, fams, chans = setup
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100})
    sign_through(cycle, personas, "demand_review")
    cycle_services.step_reopen(actor=owner, step=step(cycle, "data_gathering"), comment="Late shipments file")
    assert not DemandPlan.objects.get(cycle=cycle).is_frozen


def test_no_sign_off_without_a_baseline_when_there_is_history_to_forecast(setup, demand):
    cycle, fams, chans = setup
    ship(fams["KX"], chans["DIR"], "2026-11", 5)
    with pytest.raises(ApplicationError, match="baseline"):
        cycle_services.step_sign(actor=demand, step=step(cycle, "demand_review"), role="demand_planner")


def test_no_sign_off_while_a_baseline_is_computing(setup, demand, owner):
    cycle, fams, chans = setup
    ship(fams["KX"], chans["DIR"], "2026-11", 5)
    runs.forecast_run_start(actor=owner, cycle=cycle, enqueue=False)
    with pytest.raises(ConflictError, match="computing"):
        cycle_services.step_sign(actor=demand, step=step(cycle, "demand_review"), role="demand_planner")


@pytest.mark.parametrize("role", ["supply_planner", "finance", "executive", "process_owner"])
def test_other_roles_cannot_sign_demand_review(setup, personas, role):
    cycle, fams, chans = setup
    with pytest.raises(ApplicationError):
        cycle_services.step_sign(actor=personas[role], step=step(cycle, "demand_review"))
