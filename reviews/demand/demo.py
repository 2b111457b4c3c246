"""Demo of the demand review (seed_demo runs it after the demo company's actuals are loaded).

- Four earlier monthly cycles, each with a baseline computed from the history before it,
  a few overrides with assumptions, and demand review signed off (frozen); the later steps
  are signed too when nothing refuses, so the cycles close. They give the demo cycle a prior
  consensus ("what changed") and stored lag-1/lag-3 forecasts of months that now have
  actuals (accuracy and FVA).
- The demo cycle: its baseline (computed inline, no worker needed) and overrides with
  assumptions, among them the ACME design win on direct Kintex and the Q4 e-commerce
  promotion; the oldest cycles' assumptions are marked held / did not hold, the prior
  cycle's are left for the planners to review.

Idempotent: a cycle whose plan already has a baseline is left as it is.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from catalog.models import Channel, ProductFamily
from cycles import services as cycle_services
from cycles.choices import CycleStatus, StepStatus
from cycles.models import Cycle, Step
from cycles.workflow import REQUIRED_ROLES, STEP_ORDER
from reviews.demand import months, runs, services
from reviews.demand.services import Target
from reviews.models import Assumption, AssumptionOutcome, DemandPlan, Shipment
from sop.errors import ApplicationError

EARLIER = 4  # earlier cycles to create


def _users() -> dict[str, object]:
    User = get_user_model()
    names = {"process_owner": "owner", "demand_planner": "demand", "sales": "sales", "supply_planner": "supply",
             "finance": "finance", "executive": "exec"}
    return {role: User.objects.get(username=name) for role, name in names.items()}


def _has_baseline(cycle: Cycle) -> bool:
    return DemandPlan.objects.filter(cycle=cycle, baseline_run__isnull=False).exists()


def _baseline(cycle: Cycle, actor, stdout, preset: str = "fast") -> None:
    run = runs.forecast_run_execute(runs.forecast_run_start(actor=actor, cycle=cycle, enqueue=False, preset=preset))
    stdout.write(f"  cycle {cycle.label}: baseline of {run.series_total} series ({run.status}).")


def _sign(cycle: Cycle, kind: str, users: dict) -> bool:
    step = Step.objects.get(cycle=cycle, kind=kind)
    for role in REQUIRED_ROLES[kind]:
        step.refresh_from_db()
        if step.status == StepStatus.SIGNED_OFF:
            break
        if step.signoffs.filter(role=role, voided_at__isnull=True).exists():
            continue
        cycle_services.step_sign(actor=users[role], step=step, role=role)
    return Step.objects.get(pk=step.pk).status == StepStatus.SIGNED_OFF


def _edit(cycle: Cycle, actor, *, families: list[str], channel: str | None, periods: list[dt.date], kind: str,
          value, category: str, text: str, early: bool = False) -> Assumption | None:
    fam_ids = tuple(ProductFamily.objects.filter(code__in=families).values_list("pk", flat=True))
    chan = Channel.objects.filter(code=channel).first() if channel else None
    horizon = set(months.cycle_months(cycle))
    targets = [Target(period=p, family_ids=fam_ids, channel_ids=(chan.pk,) if chan else None,
                      label=", ".join(families)) for p in periods if p in horizon]
    if not fam_ids or not targets or (channel and chan is None):
        return None
    existing = Assumption.objects.filter(cycle=cycle, text=text).first()
    try:
        result = services.consensus_edit(
            actor=actor, cycle=cycle, targets=targets, kind=kind, value=value,
            assumption_id=existing.pk if existing else None,
            new_assumption=None if existing else {"category": category, "text": text},
            require_seen=False, scope={"via": "demo"}, before_step_opens=early)
    except ApplicationError:
        return None
    return result.assumption


def _q4(cycle: Cycle) -> list[dt.date]:
    return [p for p in months.cycle_months(cycle)[:15] if p.month in (10, 11, 12)][:3]


def _earlier_overrides(cycle: Cycle, users: dict, age: int) -> None:
    start = months.month(cycle.start_month)
    first = [start, months.add(start, 1)]
    if age == 4:
        _edit(cycle, users["sales"], families=["ART-LO", "ART-IND", "SPT-LEG"], channel="distributor", periods=first,
              kind="percent", value=15, category="market",
              text="Distributors restock low-end parts after the summer inventory correction")
    elif age == 3:
        _edit(cycle, users["demand_planner"], families=["KIN-AUTO"], channel="direct", periods=first,
              kind="percent", value=25, category="new_customer",
              text="Automotive tier-1 pulls Kintex automotive orders forward")
    elif age == 2:
        _edit(cycle, users["sales"], families=["ZYQ-SOC"], channel="ecommerce", periods=first, kind="percent",
              value=-20, category="pricing", text="Competitor price cut on e-commerce SoC boards")
    elif age == 1:
        win = [months.add(start, i) for i in range(3, 15)]
        _edit(cycle, users["sales"], families=["KIN-MID"], channel="direct", periods=win, kind="percent", value=12,
              category="new_customer", text=f"ACME design win: +12 % direct Kintex mid-range from {months.label(win[0])}")
        _edit(cycle, users["demand_planner"], families=["ART-LO", "ZYQ-SOC", "KIT-DEV"], channel="ecommerce",
              periods=_q4(cycle), kind="percent", value=20, category="promotion",
              text="E-commerce promotion in Q4 (+20 %)")
        _edit(cycle, users["sales"], families=["SPT-LEG"], channel="distributor", periods=[start], kind="percent",
              value=10, category="market", text="Last-time buys of Spartan legacy before the price change")


def _current_overrides(cycle: Cycle, users: dict, early: bool) -> None:
    start = months.month(cycle.start_month)
    win = [months.add(start, i) for i in range(2, 14)]
    _edit(cycle, users["sales"], families=["KIN-MID"], channel="direct", periods=win, kind="percent", value=15,
          category="new_customer", text=f"ACME design win: +15 % direct Kintex from {months.label(win[0])}",
          early=early)
    _edit(cycle, users["demand_planner"], families=["ART-LO", "ZYQ-SOC", "KIT-DEV"], channel="ecommerce",
          periods=_q4(cycle), kind="percent", value=25, category="promotion", text="E-commerce promotion in Q4",
          early=early)
    _edit(cycle, users["sales"], families=["VIR-HBM"], channel="direct", periods=[months.add(start, i) for i in range(1, 7)],
          kind="percent", value=-10, category="lost_customer",
          text="Globex moves its HBM socket to a competitor: -10 % direct Virtex HBM for six months", early=early)
    _edit(cycle, users["demand_planner"], families=["ACC-CARD", "ACC-NIC"], channel=None,
          periods=[months.add(start, i) for i in range(6, 12)], kind="percent", value=8, category="market",
          text="Hyperscaler pilot: accelerators group +8 % in the second half (spread by baseline mix)", early=early)


def _review_earlier(cycle: Cycle, users: dict) -> None:
    """Outcomes for the two oldest cycles' assumptions (recorded in the demo cycle)."""
    oldest = (Assumption.objects.filter(cycle__start_month__lt=months.add(months.month(cycle.start_month), -2),
                                        outcome=AssumptionOutcome.UNREVIEWED).order_by("cycle__start_month", "id"))
    for i, a in enumerate(oldest):
        outcome = AssumptionOutcome.HELD if i % 2 == 0 else AssumptionOutcome.DID_NOT_HOLD
        note = "" if outcome == AssumptionOutcome.HELD else "Orders came in a month later than the customer said."
        try:
            services.assumption_review(actor=users["demand_planner"], assumption=a, outcome=outcome, note=note,
                                       in_cycle=cycle)
        except ApplicationError:
            pass


def _close(cycle: Cycle, users: dict, stdout) -> None:
    for kind in STEP_ORDER[2:]:
        try:
            if not _sign(cycle, kind, users):
                break
        except ApplicationError as exc:
            stdout.write(f"  cycle {cycle.label}: left at {kind} ({exc.message})")
            return


def seed(*, stdout) -> None:
    cycle = Cycle.objects.filter(status=CycleStatus.OPEN).order_by("-start_month").first()
    if cycle is None or not Shipment.objects.exists():
        stdout.write("Demand review demo: no open cycle or no shipments; skipped.")
        return
    users = _users()
    stdout.write("Demand review demo:")
    start = months.month(cycle.start_month)
    for age in range(EARLIER, 0, -1):
        label = months.label(months.add(start, -age))
        earlier = Cycle.objects.filter(label=label).exclude(status=CycleStatus.CANCELLED).order_by("-id").first()
        if earlier is None:
            earlier = cycle_services.cycle_open(actor=users["process_owner"], label=label,
                                                horizon_months=cycle.horizon_months)
        if _has_baseline(earlier):
            continue
        try:
            _sign(earlier, "data_gathering", users)
        except ApplicationError as exc:
            stdout.write(f"  cycle {label}: data gathering not signed ({exc.message}); skipped.")
            continue
        _baseline(earlier, users["process_owner"], stdout, preset="quick")
        earlier._demand_state = None
        _earlier_overrides(earlier, users, age)
        _sign(earlier, "demand_review", users)
        _close(earlier, users, stdout)
    if not _has_baseline(cycle):
        _baseline(cycle, users["process_owner"], stdout)
        step = Step.objects.get(cycle=cycle, kind="demand_review")
        _current_overrides(cycle, users, early=step.status not in (StepStatus.OPEN, StepStatus.SENT_BACK))
        _review_earlier(cycle, users)
    count = Assumption.objects.filter(cycle=cycle).count()
    stdout.write(f"  cycle {cycle.label}: {count} assumptions behind its overrides.")
