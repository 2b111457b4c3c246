import pytest

from cycles import services
from cycles.models import Event, SignOff
from sop.errors import ConflictError, PermissionDeniedError
from tests.cycles.helpers import sign_through, step


def test_step_one_signed_by_the_process_owner_opens_demand_review(cycle, owner):
    services.step_sign(actor=owner, step=step(cycle, "data_gathering"))
    assert step(cycle, "data_gathering").status == "signed_off"
    assert step(cycle, "demand_review").status == "open"
    assert step(cycle, "supply_review").status == "pending"


def test_demand_review_needs_both_demand_planner_and_sales(cycle, personas):
    sign_through(cycle, personas, "data_gathering")
    services.step_sign(actor=personas["demand_planner"], step=step(cycle, "demand_review"))
    assert step(cycle, "demand_review").status == "open"
    assert step(cycle, "supply_review").status == "pending"
    services.step_sign(actor=personas["sales"], step=step(cycle, "demand_review"))
    assert step(cycle, "demand_review").status == "signed_off"
    assert step(cycle, "supply_review").status == "open"


def test_steps_open_in_order_a_later_step_cannot_be_signed_early(cycle, supply):
    with pytest.raises(ConflictError, match="not open yet"):
        services.step_sign(actor=supply, step=step(cycle, "supply_review"))
    assert not SignOff.objects.filter(step__kind="supply_review").exists()


def test_a_role_that_does_not_sign_the_step_gets_403(cycle, sales):
    with pytest.raises(PermissionDeniedError, match="process owner"):
        services.step_sign(actor=sales, step=step(cycle, "data_gathering"))
    assert not SignOff.objects.exists()


def test_one_user_signs_one_role_per_step_even_holding_several(cycle, personas, make_user):
    sign_through(cycle, personas, "data_gathering", "demand_review", "supply_review")
    both = make_user("demand_planner", "supply_planner")
    services.step_sign(actor=both, step=step(cycle, "pre_sop"), role="demand_planner")
    with pytest.raises(PermissionDeniedError, match="one role only"):
        services.step_sign(actor=both, step=step(cycle, "pre_sop"), role="supply_planner")
    assert SignOff.objects.filter(step__kind="pre_sop", user=both).count() == 1


def test_a_second_signer_for_an_already_signed_role_is_refused(cycle, personas, make_user):
    sign_through(cycle, personas, "data_gathering")
    services.step_sign(actor=personas["sales"], step=step(cycle, "demand_review"))
    other_sales = make_user("sales")
    with pytest.raises(ConflictError):
        services.step_sign(actor=other_sales, step=step(cycle, "demand_review"))


def test_signing_the_whole_cycle_closes_it(cycle, personas):
    sign_through(cycle, personas, "data_gathering", "demand_review", "supply_review", "pre_sop", "executive", "follow_up")
    cycle.refresh_from_db()
    assert cycle.status == "closed"
    assert Event.objects.filter(verb="cycle.closed", cycle=cycle).exists()


def test_a_stale_step_instance_does_not_double_sign(cycle, owner):
    stale = step(cycle, "data_gathering")
    services.step_sign(actor=owner, step=stale)
    with pytest.raises(ConflictError, match="already signed off"):
        services.step_sign(actor=owner, step=stale)
    assert SignOff.objects.count() == 1


def test_every_signature_and_transition_is_in_the_history(cycle, personas):
    sign_through(cycle, personas, "data_gathering", "demand_review")
    verbs = list(Event.objects.filter(cycle=cycle).order_by("id").values_list("verb", "step__kind"))
    assert verbs == [
        ("cycle.opened", None),
        ("step.opened", "data_gathering"),
        ("step.signed", "data_gathering"),
        ("step.signed_off", "data_gathering"),
        ("step.opened", "demand_review"),
        ("step.signed", "demand_review"),
        ("step.signed", "demand_review"),
        ("step.signed_off", "demand_review"),
        ("step.opened", "supply_review"),
    ]
    signed_off = Event.objects.get(verb="step.signed_off", step__kind="demand_review")
    assert signed_off.before["status"] == "open" and signed_off.after["status"] == "signed_off"
