import pytest

from cycles import services
from cycles.models import Event, SignOff
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.cycles.helpers import sign_through, step


def test_send_back_needs_a_comment_and_changes_nothing_without_one(cycle, personas):
    sign_through(cycle, personas, "data_gathering")
    services.step_sign(actor=personas["demand_planner"], step=step(cycle, "demand_review"))
    with pytest.raises(ApplicationError, match="needs a comment"):
        services.step_send_back(actor=personas["sales"], step=step(cycle, "demand_review"), comment="")
    assert step(cycle, "demand_review").status == "open"
    assert SignOff.objects.filter(step__kind="demand_review", voided_at__isnull=True).count() == 1


def test_send_back_voids_the_steps_signatures_and_keeps_them_in_history(cycle, personas):
    sign_through(cycle, personas, "data_gathering")
    services.step_sign(actor=personas["demand_planner"], step=step(cycle, "demand_review"))
    services.step_send_back(actor=personas["sales"], step=step(cycle, "demand_review"), comment="E-commerce too low")
    demand_step = step(cycle, "demand_review")
    assert demand_step.status == "sent_back"
    voided = SignOff.objects.get(step=demand_step)
    assert voided.voided_at is not None and "E-commerce too low" in voided.void_reason
    event = Event.objects.get(verb="step.sent_back")
    assert event.comment == "E-commerce too low" and event.actor == personas["sales"]
    # The rework is signed again by both roles.
    services.step_sign(actor=personas["demand_planner"], step=demand_step)
    assert step(cycle, "demand_review").status == "open"
    services.step_sign(actor=personas["sales"], step=step(cycle, "demand_review"))
    assert step(cycle, "demand_review").status == "signed_off"


def test_only_a_required_signer_sends_back(cycle, personas):
    sign_through(cycle, personas, "data_gathering")
    with pytest.raises(PermissionDeniedError):
        services.step_send_back(actor=personas["finance"], step=step(cycle, "demand_review"), comment="no")


def test_reopen_voids_signoffs_of_that_step_and_every_later_one(cycle, personas):
    sign_through(cycle, personas, "data_gathering", "demand_review", "supply_review")
    services.step_sign(actor=personas["finance"], step=step(cycle, "pre_sop"))
    services.step_reopen(actor=personas["process_owner"], step=step(cycle, "demand_review"), comment="New order from ACME")
    assert step(cycle, "data_gathering").status == "signed_off"
    assert step(cycle, "demand_review").status == "open"
    assert [step(cycle, k).status for k in ("supply_review", "pre_sop", "executive")] == ["pending"] * 3
    live = SignOff.objects.filter(voided_at__isnull=True)
    assert list(live.values_list("step__kind", flat=True)) == ["data_gathering"]
    assert SignOff.objects.filter(voided_at__isnull=False).count() == 4  # 2 demand + 1 supply + 1 pre-S&OP
    event = Event.objects.get(verb="step.reopened")
    assert event.before["steps"]["supply_review"] == "signed_off"
    assert event.after["steps"]["pre_sop"] == "pending"
    assert event.comment == "New order from ACME"


@pytest.mark.parametrize("role", ["demand_planner", "sales", "supply_planner", "finance", "executive", "integration"])
def test_only_the_process_owner_reopens(cycle, personas, role):
    sign_through(cycle, personas, "data_gathering")
    with pytest.raises(PermissionDeniedError, match="Only the process owner"):
        services.step_reopen(actor=personas[role], step=step(cycle, "data_gathering"), comment="why")
    assert step(cycle, "data_gathering").status == "signed_off"


def test_an_open_step_cannot_be_reopened(cycle, owner):
    with pytest.raises(ConflictError, match="signed-off step"):
        services.step_reopen(actor=owner, step=step(cycle, "data_gathering"), comment="why")


def test_reopening_a_closed_cycle_opens_it_again(cycle, personas):
    sign_through(cycle, personas, "data_gathering", "demand_review", "supply_review", "pre_sop", "executive", "follow_up")
    services.step_reopen(actor=personas["process_owner"], step=step(cycle, "executive"), comment="Board changed its mind")
    cycle.refresh_from_db()
    assert cycle.status == "open"
    assert step(cycle, "executive").status == "open" and step(cycle, "follow_up").status == "pending"
