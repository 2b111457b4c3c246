"""The Python API the app calls: plan shape, progress, cancel, time limit."""

from __future__ import annotations

import pytest

from optimizer.engine import SolveCancelled, solve
from optimizer.engine.finance import COST_KEYS

from .helpers import dem, problem
from .randomdocs import random_document


def test_plan_document_has_the_contract_shape():
    doc = random_document(7)
    plan = solve(doc)
    for key in (
        "format",
        "problem",
        "status",
        "solver",
        "objective",
        "families",
        "resources",
        "components",
        "violations",
        "explanations",
    ):
        assert key in plan
    assert set(plan["solver"]) >= {"name", "version", "seconds", "gap"}
    assert set(plan["objective"]) == {"profit", "revenue", "total_cost", "costs"}
    assert tuple(plan["objective"]["costs"]) == COST_KEYS
    obj = plan["objective"]
    assert obj["total_cost"] == sum(obj["costs"].values())
    assert obj["profit"] == obj["revenue"] - obj["total_cost"]
    fp = plan["families"][0]["periods"][0]
    assert set(fp) >= {
        "period",
        "production",
        "subcontract",
        "inventory",
        "shipments",
        "backlog",
        "lost",
        "safety_stock_shortfall",
    }
    assert set(fp["shipments"]) == {c["code"] for c in doc["channels"]}
    if plan["resources"]:
        assert set(plan["resources"][0]["periods"][0]) >= {
            "period",
            "hours_used",
            "regular_hours",
            "overtime_hours",
            "workers",
            "hires",
            "layoffs",
            "utilization",
            "shadow_price",
        }
    for comp in plan["components"]:
        assert set(comp["periods"][0]) >= {"period", "orders", "inventory"}
    assert all(isinstance(e, str) for e in plan["explanations"])


def test_progress_is_reported_in_order_up_to_done():
    seen = []
    solve(random_document(3), baseline=True, progress=lambda phase, frac: seen.append((phase, frac)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert seen[0][0] == "validate" and seen[-1] == ("done", 1.0)


def test_should_stop_cancels_between_phases():
    with pytest.raises(SolveCancelled):
        solve(random_document(3), should_stop=lambda: True)


def test_an_explicit_time_limit_is_respected_and_reported():
    plan = solve(random_document(5, integers=True), time_limit=30)
    assert plan["status"] in ("optimal", "feasible", "infeasible_relaxed")
    assert plan["solver"]["seconds"] <= 30


def test_a_problem_with_nothing_to_do_still_returns_a_plan():
    plan = solve(problem())
    assert plan["status"] == "optimal" and plan["objective"]["profit"] == 0
    assert plan["explanations"]


def test_single_pass_beats_fair_share_when_channels_differ_in_margin():
    # 10 units of capacity, 10 wanted by a 20-price channel and 10 by a 10-price
    # one: fair share ships 5 + 5 (150), the single pass ships 10 to the first (200).
    doc = problem(
        families=[{"code": "F", "price": 20}],
        channels=[{"code": "hi"}, {"code": "lo"}],
        demand=dem(10, channel="hi") + dem(10, channel="lo", price=10),
        resources=[{"code": "R", "capacity": 10}],
        routings=[{"family": "F", "resource": "R", "hours_per_unit": 1}],
    )
    plan = solve(doc, baseline=True)
    comp = plan["comparison"]
    assert comp["single_pass_profit"] == pytest.approx(200)
    assert comp["baseline_profit"] == pytest.approx(150)
    assert comp["by_lever"]["channel_allocation"] == pytest.approx(50)
    assert any("more than the sequential baseline" in e for e in plan["explanations"])
    assert any(e.startswith("channel lo was shorted") for e in plan["explanations"])


def test_running_out_of_time_gives_an_error_plan_with_a_reason():
    import json

    plan = solve(random_document(1), time_limit=0.01)
    assert plan["status"] == "error"
    assert "time limit" in plan["message"]
    assert plan["explanations"] == [plan["message"]]
    json.dumps(plan, allow_nan=False)


def test_should_stop_cancels_at_the_end_of_the_running_solve_phase():
    # HiGHS through MathOpt does not poll the interrupter, so a stop requested
    # during the LP relaxation takes effect when it returns, before the
    # rounding and branch-and-cut phases (which would take much longer).
    import time

    from bench.optimizer.generate import generate_size

    doc = generate_size("M", mip=True)
    calls = {"n": 0, "start": None}

    def stop_after_the_first_phases() -> bool:
        calls["n"] += 1
        calls["start"] = calls["start"] or time.perf_counter()
        return time.perf_counter() - calls["start"] > 1.0

    start = time.perf_counter()
    with pytest.raises(SolveCancelled):
        solve(doc, should_stop=stop_after_the_first_phases)
    assert time.perf_counter() - start < 20
