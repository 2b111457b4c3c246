import datetime as dt

import pytest

from cycles import services
from cycles.models import Cycle, Event, Step
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError


def test_process_owner_opens_a_cycle_with_six_steps_and_step_one_open(owner):
    cycle = services.cycle_open(actor=owner, label="2027-01")
    steps = list(cycle.steps.order_by("position"))
    assert [s.kind for s in steps] == [
        "data_gathering", "demand_review", "supply_review", "pre_sop", "executive", "follow_up"
    ]
    assert [s.status for s in steps] == ["open", "pending", "pending", "pending", "pending", "pending"]
    assert cycle.start_month == dt.date(2027, 1, 1)
    assert cycle.horizon_months == 24
    assert cycle.periods[0] == "2027-01" and cycle.periods[-1] == "2028-12"


def test_opening_records_the_calendar_in_the_history(owner):
    cycle = services.cycle_open(
        actor=owner, label="2027-03", executive_meeting_date=dt.date(2027, 3, 24),
        due_dates={"pre_sop": dt.date(2027, 3, 22)},
    )
    opened = Event.objects.get(verb="cycle.opened", cycle=cycle)
    assert opened.actor == owner
    assert opened.after["executive_meeting_date"] == "2027-03-24"
    assert opened.after["due_dates"]["pre_sop"] == "2027-03-22"
    assert Event.objects.filter(verb="step.opened", step__kind="data_gathering", cycle=cycle).exists()


@pytest.mark.parametrize("role", ["demand_planner", "sales", "supply_planner", "finance", "executive", "integration"])
def test_only_the_process_owner_opens_a_cycle(make_user, role):
    with pytest.raises(PermissionDeniedError, match="Only the process owner"):
        services.cycle_open(actor=make_user(role), label="2027-01")
    assert not Cycle.objects.exists()


def test_one_open_cycle_per_month_label(owner):
    services.cycle_open(actor=owner, label="2027-01")
    with pytest.raises(ConflictError, match="already open"):
        services.cycle_open(actor=owner, label="2027-01")
    assert Cycle.objects.filter(label="2027-01").count() == 1
    services.cycle_open(actor=owner, label="2027-02")


def test_a_cancelled_months_label_can_be_opened_again(owner):
    first = services.cycle_open(actor=owner, label="2027-01")
    services.cycle_cancel(actor=owner, cycle=first, comment="opened by mistake")
    second = services.cycle_open(actor=owner, label="2027-01")
    assert second.pk != first.pk
    assert Event.objects.filter(verb="cycle.cancelled", cycle=first, comment="opened by mistake").exists()


def test_cancel_needs_a_comment(owner):
    cycle = services.cycle_open(actor=owner, label="2027-01")
    with pytest.raises(ApplicationError, match="needs a comment"):
        services.cycle_cancel(actor=owner, cycle=cycle, comment=" ")
    cycle.refresh_from_db()
    assert cycle.status == "open"


@pytest.mark.parametrize("label", ["2027-13", "January", "", "2027-1"])
def test_a_bad_label_is_refused_and_nothing_is_stored(owner, label):
    with pytest.raises(ApplicationError, match="YYYY-MM"):
        services.cycle_open(actor=owner, label=label)
    assert not Cycle.objects.exists() and not Step.objects.exists() and not Event.objects.exists()


def test_a_calendar_out_of_order_is_refused_and_nothing_is_stored(owner):
    with pytest.raises(ApplicationError, match="steps run in order"):
        services.cycle_open(actor=owner, label="2027-01", due_dates={"demand_review": dt.date(2027, 1, 2)})
    assert not Cycle.objects.exists()


def test_a_horizon_outside_18_to_36_is_refused(owner):
    with pytest.raises(ApplicationError, match="18 to 36"):
        services.cycle_open(actor=owner, label="2027-01", horizon_months=12)
    assert not Cycle.objects.exists()


def test_the_process_owner_moves_due_dates_with_before_and_after_recorded(owner, cycle):
    services.cycle_update_calendar(
        actor=owner, cycle=cycle, due_dates={"follow_up": dt.date(2027, 1, 30)},
        executive_meeting_date=dt.date(2027, 1, 22),
    )
    event = Event.objects.get(verb="cycle.calendar_changed")
    assert event.before["due_dates"]["follow_up"] == "2027-01-31"
    assert event.after["due_dates"]["follow_up"] == "2027-01-30"
    assert Step.objects.get(cycle=cycle, kind="follow_up").due_date == dt.date(2027, 1, 30)


def test_others_cannot_move_the_calendar(demand, cycle):
    with pytest.raises(PermissionDeniedError):
        services.cycle_update_calendar(
            actor=demand, cycle=cycle, due_dates={}, executive_meeting_date=dt.date(2027, 1, 22)
        )
