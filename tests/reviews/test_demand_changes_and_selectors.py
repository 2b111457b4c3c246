"""What changed since the last cycle (baseline movement vs named overrides) and the selectors
other steps call (consensus_demand, suggested_safety_stock)."""
from decimal import Decimal

import pytest

from cycles import services as cycle_services
from reviews.demand import changes, selectors, services
from reviews.demand.services import Target
from reviews.models import SafetyStockSuggestion
from tests.cycles.helpers import sign_through
from tests.reviews.demand_helpers import catalog, d, install_baseline, open_demand_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cycles(cycle, personas, owner):
    fams, chans = catalog()
    kx, direct = fams["KX"], chans["DIR"]
    prior = cycle_services.cycle_open(actor=owner, label="2026-12")
    sign_through(prior, personas, "data_gathering")
    install_baseline(prior, {(kx, direct): 100})
    services.consensus_edit(actor=personas["sales"], cycle=prior, targets=[
        Target(period=d("2027-02"), family_ids=(kx.pk,), channel_ids=(direct.pk,))], kind="absolute", value=130,
        new_assumption={"category": "promotion", "text": "Spring promotion at ACME"}, require_seen=False)
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(kx, direct): 110})
    services.consensus_edit(actor=personas["demand_planner"], cycle=cycle, targets=[
        Target(period=d("2027-03"), family_ids=(kx.pk,), channel_ids=(direct.pk,))], kind="percent", value=10,
        new_assumption={"category": "new_customer", "text": "ACME design win +10 % from March"}, require_seen=False)
    return cycle, prior, fams, chans


def test_prior_cycle_is_the_latest_earlier_one_with_a_consensus(two_cycles):
    cycle, prior, *_ = two_cycles
    assert selectors.prior_cycle(cycle) == prior
    assert selectors.prior_cycle(prior) is None


def test_change_is_split_into_baseline_movement_and_named_overrides(two_cycles):
    cycle, prior, *_ = two_cycles
    report = changes.what_changed(cycle)
    assert report["periods"][0] == "2027-01" and len(report["periods"]) == 23  # months both plans cover
    kx = report["families"][0]
    feb = next(m for m in kx["months"] if m["period"] == "2027-02")
    assert (feb["prior"], feb["consensus"], feb["change"]) == (130, 110, -20)
    assert (feb["baseline_movement"], feb["overrides_now"], feb["overrides_prior"]) == (10, 0, -30)
    mar = next(m for m in kx["months"] if m["period"] == "2027-03")
    assert (mar["change"], mar["baseline_movement"], mar["overrides_now"]) == (21, 10, 11)
    for m in kx["months"]:
        assert m["change"] == m["baseline_movement"] + m["overrides_now"] + m["overrides_prior"]
    named = {(n["text"], n["effect"]) for n in kx["named"]}
    assert named == {("ACME design win +10 % from March", 11), ("Spring promotion at ACME", -30)}
    assert kx["change"] == 23 * 10 + 11 - 30


def test_consensus_demand_rows_for_the_optimizer(two_cycles):
    cycle, *_ = two_cycles
    rows = selectors.consensus_demand(cycle)
    assert len(rows) == 24
    assert rows[2] == {"family": "KX", "channel": "DIR", "period": "2027-03", "quantity": 121.0, "price": 100.0}


def test_suggested_safety_stock_per_family(two_cycles):
    cycle, prior, fams, chans = two_cycles
    from reviews.models import DemandPlan

    run = DemandPlan.objects.get(cycle=cycle).baseline_run
    SafetyStockSuggestion.objects.create(run=run, cycle=cycle, family=fams["KX"], error_rmse=12.0,
                                         lead_time_months=2, service_level=0.95, safety_stock=Decimal("28"),
                                         shortfall_cost=Decimal("19.5"))
    assert selectors.suggested_safety_stock(cycle) == {"KX": (28.0, 19.5)}
    assert selectors.suggested_safety_stock(prior) == {}
