"""Properties on random documents (hypothesis draws the seeds)."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.engine import solve

from .helpers import check_plan
from .randomdocs import random_document
from .reference import reference_profit

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(a), abs(b))


@FAST
@given(seed=SEEDS)
def test_lp_profit_is_the_optimum_of_an_independent_model(seed):
    doc = random_document(seed)
    plan = solve(doc)
    assert plan["status"] in ("optimal", "infeasible_relaxed")
    assert plan["solver"]["gap"] == 0.0
    assert rel(plan["objective"]["profit"], reference_profit(doc)) <= 1e-6


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=SEEDS)
def test_mip_profit_is_within_the_reported_gap_of_an_independent_model(seed):
    doc = random_document(seed, integers=True)
    plan = solve(doc)
    check_plan(doc, plan)
    ref = reference_profit(doc)
    bound = reference_profit(doc, relax=True)
    profit, gap = plan["objective"]["profit"], plan["solver"]["gap"]
    # Not better than the LP relaxation (a MIP solver's "optimal" can be off by
    # its tolerances, so the bound is the safe upper check) ...
    assert profit <= bound + 1e-6 * max(1.0, abs(bound))
    # ... and not worse than the reference MIP by more than the gap it reports.
    assert ref - profit <= (gap + 1e-7) * max(1.0, abs(profit))
    assert gap <= 1e-4 or plan["status"] == "feasible"


@FAST
@given(seed=SEEDS, integers=st.booleans())
def test_balances_hold_and_costs_recompute_in_both_plans(seed, integers):
    doc = random_document(seed, integers=integers)
    plan = solve(doc, baseline=True)
    check_plan(doc, plan)
    check_plan(doc, plan["baseline"])


@FAST
@given(seed=SEEDS, integers=st.booleans())
def test_single_pass_profit_is_at_least_the_sequential_baseline(seed, integers):
    plan = solve(random_document(seed, integers=integers), baseline=True)
    comp = plan["comparison"]
    assert comp["single_pass_profit"] >= comp["baseline_profit"] - 1e-6 * max(
        1.0, abs(comp["baseline_profit"])
    )
    assert comp["value"] == comp["single_pass_profit"] - comp["baseline_profit"]
    assert rel(sum(comp["by_lever"].values()), comp["value"]) <= 1e-9
    assert rel(sum(comp["by_term"].values()), comp["value"]) <= 1e-9


def _more_capacity(doc: dict, factor: float) -> dict:
    doc = copy.deepcopy(doc)

    def grow(v):
        if v is None:
            return None
        if isinstance(v, list):
            return [None if x is None else x * factor for x in v]
        return v * factor

    for r in doc["resources"]:
        if "capacity" in r:
            r["capacity"] = grow(r["capacity"])
        else:
            r["workforce"]["hours_per_worker"] *= factor
        if r.get("overtime"):
            r["overtime"]["max_hours"] = grow(r["overtime"].get("max_hours"))
    for f in doc["families"]:
        if "max_production" in f:
            f["max_production"] = grow(f["max_production"])
        if f.get("subcontract"):
            f["subcontract"]["capacity"] = grow(f["subcontract"]["capacity"])
    for k in doc["components"]:
        for o in k["supply_options"]:
            if "capacity" in o:
                o["capacity"] = grow(o["capacity"])
    return doc


@FAST
@given(seed=SEEDS, factor=st.floats(min_value=1.0, max_value=3.0))
def test_relaxing_a_capacity_never_lowers_profit(seed, factor):
    doc = random_document(seed)
    before = solve(doc)["objective"]["profit"]
    after = solve(_more_capacity(doc, factor))["objective"]["profit"]
    assert after >= before - 1e-6 * max(1.0, abs(before))
