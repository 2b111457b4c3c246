"""The six-step rules as pure functions (no database)."""
import datetime as dt

import pytest

from cycles import workflow
from cycles.choices import StepKind, StepStatus

PO, DP, SA, SP, FI, EX = "process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive"


def test_six_steps_run_in_the_documented_order():
    assert workflow.STEP_ORDER == (
        "data_gathering", "demand_review", "supply_review", "pre_sop", "executive", "follow_up"
    )
    assert workflow.next_kind("data_gathering") == "demand_review"
    assert workflow.next_kind("follow_up") is None
    assert workflow.later_kinds("pre_sop") == ("executive", "follow_up")


def test_required_roles_match_the_architecture():
    assert workflow.REQUIRED_ROLES[StepKind.DEMAND_REVIEW] == (DP, SA)
    assert workflow.REQUIRED_ROLES[StepKind.PRE_SOP] == (DP, SP, FI)
    assert workflow.REQUIRED_ROLES[StepKind.EXECUTIVE] == (EX,)


def test_a_step_is_complete_only_when_every_required_role_signed():
    assert not workflow.is_complete("demand_review", {DP})
    assert workflow.is_complete("demand_review", {DP, SA})
    assert workflow.missing_roles("pre_sop", {FI}) == (DP, SP)


def test_one_user_signs_for_one_role_per_step():
    with pytest.raises(workflow.WorkflowError, match="one role only") as exc:
        workflow.check_sign("pre_sop", StepStatus.OPEN, frozenset({DP, SP}), {DP: 7}, 7, SP)
    assert exc.value.code == "forbidden"


def test_a_user_with_several_signing_roles_must_say_which():
    with pytest.raises(workflow.WorkflowError, match="say which"):
        workflow.check_sign("pre_sop", StepStatus.OPEN, frozenset({DP, SP}), {}, 7, None)
    assert workflow.check_sign("pre_sop", StepStatus.OPEN, frozenset({DP, SP}), {}, 7, SP) == SP


def test_signing_a_pending_step_is_refused_as_out_of_order():
    with pytest.raises(workflow.WorkflowError, match="not open yet") as exc:
        workflow.check_sign("supply_review", StepStatus.PENDING, frozenset({SP}), {}, 1, None)
    assert exc.value.code == "state"


def test_a_role_that_does_not_sign_the_step_is_forbidden():
    with pytest.raises(workflow.WorkflowError, match="none of these roles") as exc:
        workflow.check_sign("supply_review", StepStatus.OPEN, frozenset({SA}), {}, 1, None)
    assert exc.value.code == "forbidden"


def test_a_role_already_signed_cannot_sign_twice():
    with pytest.raises(workflow.WorkflowError, match="already signed for"):
        workflow.check_sign("demand_review", StepStatus.OPEN, frozenset({SA}), {SA: 3}, 4, SA)


def test_send_back_needs_a_comment_and_a_required_signer():
    with pytest.raises(workflow.WorkflowError, match="needs a comment"):
        workflow.check_send_back("demand_review", StepStatus.OPEN, frozenset({SA}), "   ")
    with pytest.raises(workflow.WorkflowError, match="required signer"):
        workflow.check_send_back("demand_review", StepStatus.OPEN, frozenset({FI}), "too low")
    workflow.check_send_back("demand_review", StepStatus.OPEN, frozenset({SA}), "too low")


def test_only_the_process_owner_reopens_and_only_a_signed_off_step():
    with pytest.raises(workflow.WorkflowError, match="Only the process owner"):
        workflow.check_reopen("demand_review", StepStatus.SIGNED_OFF, frozenset({DP}), "why")
    with pytest.raises(workflow.WorkflowError, match="signed-off step"):
        workflow.check_reopen("demand_review", StepStatus.OPEN, frozenset({PO}), "why")
    with pytest.raises(workflow.WorkflowError, match="needs a comment"):
        workflow.check_reopen("demand_review", StepStatus.SIGNED_OFF, frozenset({PO}), "")


def test_default_calendar_runs_in_order_inside_the_month():
    dues, meeting = workflow.default_calendar("2027-02")
    assert dues["data_gathering"] == dt.date(2027, 2, 5)
    assert dues["follow_up"] == dt.date(2027, 2, 28)
    assert meeting == dues["executive"]
    assert workflow.validate_calendar(dues, meeting) == []


def test_a_calendar_going_backwards_is_refused():
    dues, meeting = workflow.default_calendar("2027-02")
    dues["supply_review"] = dt.date(2027, 2, 1)
    errors = workflow.validate_calendar(dues, meeting)
    assert any("Supply review" in e and "before" in e for e in errors)


def test_meeting_must_fall_between_pre_sop_and_executive_due_dates():
    dues, _ = workflow.default_calendar("2027-02")
    assert workflow.validate_calendar(dues, dt.date(2027, 2, 27))
    assert workflow.validate_calendar(dues, dt.date(2027, 2, 2))


@pytest.mark.parametrize("label", ["2027-13", "2027-1", "27-01", "", "2027/01", "abcd-ef", "0000-01", "9999-12"])
def test_cycle_labels_must_be_months(label):
    with pytest.raises(workflow.WorkflowError, match="YYYY-MM"):
        workflow.parse_label(label)


def test_horizon_is_18_to_36_months():
    workflow.validate_horizon(18)
    workflow.validate_horizon(36)
    for bad in (17, 37, 0):
        with pytest.raises(workflow.WorkflowError, match="18 to 36"):
            workflow.validate_horizon(bad)


def test_timeline_states():
    today = dt.date(2027, 1, 10)
    assert workflow.timeline_state(StepStatus.SIGNED_OFF, dt.date(2027, 1, 1), today) == "done"
    assert workflow.timeline_state(StepStatus.OPEN, dt.date(2027, 1, 9), today) == "late"
    assert workflow.timeline_state(StepStatus.OPEN, dt.date(2027, 1, 10), today) == "open"
    assert workflow.timeline_state(StepStatus.PENDING, dt.date(2027, 1, 20), today) == "pending"
    assert workflow.timeline_state(StepStatus.PENDING, dt.date(2027, 1, 2), today) == "late"
