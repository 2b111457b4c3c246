"""The six-step cycle as plain data and pure functions (no database).

The services in cycles/services.py apply these rules; the tests check them directly.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping

from cycles.choices import StepKind, StepStatus
from sop.roles import Role

STEP_ORDER: tuple[str, ...] = (
    StepKind.DATA_GATHERING,
    StepKind.DEMAND_REVIEW,
    StepKind.SUPPLY_REVIEW,
    StepKind.PRE_SOP,
    StepKind.EXECUTIVE,
    StepKind.FOLLOW_UP,
)

#: Who must sign each step before the next one opens (ARCHITECTURE.md, "What we build").
REQUIRED_ROLES: Mapping[str, tuple[str, ...]] = {
    StepKind.DATA_GATHERING: (Role.PROCESS_OWNER,),
    StepKind.DEMAND_REVIEW: (Role.DEMAND_PLANNER, Role.SALES),
    StepKind.SUPPLY_REVIEW: (Role.SUPPLY_PLANNER,),
    StepKind.PRE_SOP: (Role.DEMAND_PLANNER, Role.SUPPLY_PLANNER, Role.FINANCE),
    StepKind.EXECUTIVE: (Role.EXECUTIVE,),
    StepKind.FOLLOW_UP: (Role.PROCESS_OWNER,),
}

#: What each step produces, shown on its page.
PRODUCES: Mapping[str, str] = {
    StepKind.DATA_GATHERING: "Validated actuals: shipments, bookings, inventory, open orders, capacity, "
    "component supply, financial actuals and the budget (AOP).",
    StepKind.DEMAND_REVIEW: "The consensus demand plan per family x channel x month, in units and revenue: "
    "statistical baseline plus overrides, each with a written assumption.",
    StepKind.SUPPLY_REVIEW: "A constrained supply plan from a solve: capacity load, gaps and costed options.",
    StepKind.PRE_SOP: "Scenarios compared side by side, finance reconciliation against budget, one "
    "recommended plan and the escalations that need executives.",
    StepKind.EXECUTIVE: "Decisions on the escalations and the approved plan, frozen and published to the ERP.",
    StepKind.FOLLOW_UP: "Every decision turned into actions with an owner and a due date; the cycle's KPIs.",
}

#: Default due day of the cycle month for each step (None: last day of the month).
DEFAULT_DUE_DAY: Mapping[str, int | None] = {
    StepKind.DATA_GATHERING: 5,
    StepKind.DEMAND_REVIEW: 10,
    StepKind.SUPPLY_REVIEW: 15,
    StepKind.PRE_SOP: 20,
    StepKind.EXECUTIVE: 25,
    StepKind.FOLLOW_UP: None,
}

LABEL_RE = re.compile(r"^(19\d\d|2[01]\d\d)-(0[1-9]|1[0-2])$")  # 1900-01 .. 2199-12
MIN_HORIZON, MAX_HORIZON, DEFAULT_HORIZON = 18, 36, 24


class WorkflowError(ValueError):
    """A rule of the cycle refused a move; the message says which.

    `code`: "forbidden" (the user's roles do not allow it), "state" (the step's state does
    not allow it now) or "invalid" (the request itself is incomplete or wrong).
    """

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def position(kind: str) -> int:
    """1-based position of a step kind in the cycle."""
    try:
        return STEP_ORDER.index(kind) + 1
    except ValueError:
        raise WorkflowError(f"Unknown step kind {kind!r}.") from None


def later_kinds(kind: str) -> tuple[str, ...]:
    """The step kinds after `kind`, in order."""
    return STEP_ORDER[position(kind):]


def next_kind(kind: str) -> str | None:
    later = later_kinds(kind)
    return later[0] if later else None


def parse_label(label: str) -> dt.date:
    """'2027-01' -> date(2027, 1, 1). Refuses anything but YYYY-MM."""
    match = LABEL_RE.match(label or "")
    if not match:
        raise WorkflowError(
            f"Cycle label {label!r} is not a month in the form YYYY-MM between 1900-01 and 2199-12 (e.g. 2027-01)."
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def default_calendar(label: str) -> tuple[dict[str, dt.date], dt.date]:
    """Due dates of the six steps in the cycle's month and the executive meeting date."""
    first = parse_label(label)
    last = month_end(first)
    dues = {
        kind: (last if day is None else first.replace(day=min(day, last.day)))
        for kind, day in DEFAULT_DUE_DAY.items()
    }
    return dues, dues[StepKind.EXECUTIVE]


def validate_calendar(due_dates: Mapping[str, dt.date], meeting: dt.date | None) -> list[str]:
    """Errors in a calendar: every step dated, dates never going backwards, the meeting
    no later than the executive step's due date and no earlier than pre-S&OP's."""
    errors: list[str] = []
    missing = [k for k in STEP_ORDER if not due_dates.get(k)]
    if missing:
        errors.append("A due date is missing for: " + ", ".join(StepKind(k).label for k in missing) + ".")
        return errors
    for before, after in zip(STEP_ORDER, STEP_ORDER[1:], strict=False):
        if due_dates[after] < due_dates[before]:
            errors.append(
                f"{StepKind(after).label} is due {due_dates[after]:%Y-%m-%d}, before "
                f"{StepKind(before).label} ({due_dates[before]:%Y-%m-%d}); steps run in order."
            )
    if meeting is not None:
        if meeting > due_dates[StepKind.EXECUTIVE]:
            errors.append("The executive meeting must be on or before the executive step's due date.")
        if meeting < due_dates[StepKind.PRE_SOP]:
            errors.append("The executive meeting must be on or after the pre-S&OP due date.")
    return errors


def validate_horizon(months: int) -> None:
    if not (MIN_HORIZON <= int(months) <= MAX_HORIZON):
        raise WorkflowError(f"The planning horizon must be {MIN_HORIZON} to {MAX_HORIZON} months, not {months}.")


def missing_roles(kind: str, signed_roles: set[str] | frozenset[str]) -> tuple[str, ...]:
    return tuple(r for r in REQUIRED_ROLES[kind] if r not in signed_roles)


def is_complete(kind: str, signed_roles: set[str] | frozenset[str]) -> bool:
    """A step is signed off when every required role has signed."""
    return not missing_roles(kind, signed_roles)


def signable_roles(
    kind: str,
    status: str,
    user_roles: frozenset[str],
    signatures: Mapping[str, int],
    user_id: int,
) -> tuple[str, ...]:
    """The roles this user could still sign the step for (empty when none).

    `signatures` maps each role already signed to the signer's user id.
    """
    if status not in (StepStatus.OPEN, StepStatus.SENT_BACK):
        return ()
    if user_id in signatures.values():
        return ()  # one user signs for one role per step
    return tuple(r for r in missing_roles(kind, set(signatures)) if r in user_roles)


def check_sign(
    kind: str,
    status: str,
    user_roles: frozenset[str],
    signatures: Mapping[str, int],
    user_id: int,
    role: str | None,
) -> str:
    """The role the user signs for, or WorkflowError saying exactly why not."""
    label = StepKind(kind).label
    if status == StepStatus.PENDING:
        raise WorkflowError(f"{label} is not open yet: the step before it must be signed off first.", "state")
    if status == StepStatus.SIGNED_OFF:
        raise WorkflowError(f"{label} is already signed off; the process owner can reopen it.", "state")
    required = REQUIRED_ROLES[kind]
    if not set(required) & user_roles:
        names = " and ".join(Role(r).label.lower() for r in required)
        raise WorkflowError(f"{label} is signed off by the {names}; you hold none of these roles.", "forbidden")
    if user_id in signatures.values():
        signed_as = next(r for r, uid in signatures.items() if uid == user_id)
        raise WorkflowError(
            f"You already signed {label} as {Role(signed_as).label.lower()}; one person signs a step for one role only.",
            "forbidden",
        )
    if role is not None:
        if role not in required:
            raise WorkflowError(f"{Role(role).label if role in Role.values else role!r} does not sign {label}.")
        if role not in user_roles:
            raise WorkflowError(f"You do not hold the {Role(role).label.lower()} role.", "forbidden")
        if role in signatures:
            raise WorkflowError(f"{label} is already signed for the {Role(role).label.lower()} role.", "state")
        return role
    candidates = signable_roles(kind, status, user_roles, signatures, user_id)
    if not candidates:
        raise WorkflowError(f"Every role you hold for {label} has already signed.", "state")
    if len(candidates) > 1:
        names = ", ".join(candidates)
        raise WorkflowError(f"You hold several roles that sign {label} ({names}); say which one you sign for.")
    return candidates[0]


def check_send_back(kind: str, status: str, user_roles: frozenset[str], comment: str) -> None:
    label = StepKind(kind).label
    if status not in (StepStatus.OPEN, StepStatus.SENT_BACK):
        raise WorkflowError(f"Only an open step can be sent back; {label} is {StepStatus(status).label.lower()}.", "state")
    if not set(REQUIRED_ROLES[kind]) & user_roles:
        raise WorkflowError(f"Only a required signer of {label} may send it back.", "forbidden")
    if not (comment or "").strip():
        raise WorkflowError("Sending a step back needs a comment saying what must change.")


def check_reopen(kind: str, status: str, user_roles: frozenset[str], comment: str) -> None:
    label = StepKind(kind).label
    if Role.PROCESS_OWNER not in user_roles:
        raise WorkflowError("Only the process owner reopens a step.", "forbidden")
    if status != StepStatus.SIGNED_OFF:
        raise WorkflowError(f"Only a signed-off step can be reopened; {label} is {StepStatus(status).label.lower()}.", "state")
    if not (comment or "").strip():
        raise WorkflowError("Reopening a step needs a comment saying why.")


def timeline_state(status: str, due: dt.date | None, today: dt.date) -> str:
    """done / open / late / pending, as the timeline shows a step."""
    if status == StepStatus.SIGNED_OFF:
        return "done"
    if due is not None and due < today:
        return "late"
    if status in (StepStatus.OPEN, StepStatus.SENT_BACK):
        return "open"
    return "pending"
