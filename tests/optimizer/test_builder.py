"""The problem builder on a small catalog: a document the engine validates and solves."""
import pytest

from optimizer import builder, services, tasks
from optimizer.engine import solve, validate
from sop.errors import ApplicationError
from tests.optimizer.catalog_fixture import cycle_data, small_catalog


@pytest.fixture
def catalog(cycle):
    cat = small_catalog(horizon=cycle.periods)
    cycle_data(cycle, cat)
    return cat


def lines(doc, family, channel):
    return {line["period"]: line for line in doc["demand"] if (line["family"], line["channel"]) == (family, channel)}


def test_the_built_document_is_valid_and_solves(cycle, catalog):
    built = builder.build_problem(cycle=cycle)
    doc = built.document
    assert validate(doc) == []
    assert doc["periods"] == cycle.periods and len(doc["periods"]) == cycle.horizon_months
    assert [f["code"] for f in doc["families"]] == ["FPGA-A", "FPGA-B"]  # the inactive family is left out
    assert [c["code"] for c in doc["channels"]] == ["direct", "distributor", "ecommerce"]
    plan = solve(doc, time_limit=30)
    assert plan["status"] in ("optimal", "infeasible_relaxed")


def test_budget_demand_is_split_by_last_years_channel_mix_and_priced_per_channel(cycle, catalog):
    built = builder.build_problem(cycle=cycle)
    doc, p = built.document, cycle.periods
    assert built.demand_source.startswith("budget (AOP) units")
    # FPGA-A shipped 30/20/10 over direct/distributor/ecommerce: budget 60 units in month 0.
    assert lines(doc, "FPGA-A", "direct")[p[0]]["quantity"] == pytest.approx(30)
    assert lines(doc, "FPGA-A", "distributor")[p[0]]["quantity"] == pytest.approx(20)
    assert lines(doc, "FPGA-A", "ecommerce")[p[0]]["quantity"] == pytest.approx(10)
    assert set(lines(doc, "FPGA-B", "direct")) == set()  # FPGA-B only ever sold through e-commerce
    assert lines(doc, "FPGA-A", "distributor")[p[0]]["price"] == pytest.approx(85)  # list x 0.85
    assert lines(doc, "FPGA-A", "direct")[p[2]]["price"] == pytest.approx(110)  # the price change
    fam_a = doc["families"][0]
    assert fam_a["price"][:3] == [100, 100, 110]


def test_months_after_the_aop_repeat_the_budget_of_a_year_before(cycle, catalog):
    from catalog.models import BudgetLine

    BudgetLine.objects.filter(month__gte=cycle.start_month.replace(year=cycle.start_month.year + 1)).delete()
    doc = builder.build_problem(cycle=cycle).document
    p = cycle.periods
    assert lines(doc, "FPGA-A", "direct")[p[12]]["quantity"] == pytest.approx(lines(doc, "FPGA-A", "direct")[p[0]]["quantity"])
    assert set(p) <= {line["period"] for line in doc["demand"] if line["family"] == "FPGA-B"}


def test_open_orders_are_a_floor_of_demand_and_past_due_ones_the_backlog(cycle, catalog):
    doc = builder.build_problem(cycle=cycle).document
    p = cycle.periods
    assert lines(doc, "FPGA-A", "direct")[p[1]]["quantity"] == 500  # firm order above the budget split
    fam_a, fam_b = doc["families"]
    assert fam_a["initial_backlog"] == {"direct": 7}
    assert "initial_backlog" not in fam_b  # e-commerce takes no backlog: due now instead
    assert lines(doc, "FPGA-B", "ecommerce")[p[0]]["quantity"] == pytest.approx(30 + 4)
    assert fam_a["initial_inventory"] == 12


def test_capacity_components_and_price_schedules_come_from_the_cycle_and_catalog(cycle, catalog):
    doc = builder.build_problem(cycle=cycle).document
    line, test = doc["resources"]
    assert line["capacity"][:4] == [200, 200, 150, 200] and line["overtime"] == {"cost_per_hour": 9, "max_hours": 20}
    assert test["workforce"]["initial"] == 3 and test["workforce"]["hours_per_worker"] == 40
    die = doc["components"][0]
    assert die["initial_inventory"] == 25 and die["scheduled_receipts"][0] == 10
    contract = die["supply_options"][0]
    assert contract["price"][:4] == [10, 10, 10, 12.5] and contract["lead_time"] == 1


def test_a_consensus_selector_wins_over_the_budget(cycle, catalog, monkeypatch):
    from reviews import selectors

    monkeypatch.setattr(selectors, "consensus_demand", lambda c: [
        {"family": "FPGA-A", "channel": "direct", "period": c.periods[0], "quantity": 3},
        {"family": "NOPE", "channel": "direct", "period": c.periods[0], "quantity": 3},
    ], raising=False)
    built = builder.build_problem(cycle=cycle)
    assert built.demand_source == "consensus demand plan of cycle 2027-01"
    assert [line["family"] for line in built.document["demand"]].count("NOPE") == 0
    validate(built.document)


def test_an_empty_catalog_or_no_demand_says_what_is_missing(cycle):
    with pytest.raises(ApplicationError, match="no active product families"):
        builder.build_problem(cycle=cycle)
    from catalog.models import Channel, ProductFamily

    ProductFamily.objects.create(code="F", name="F")
    Channel.objects.create(code="c", name="c", lost_sale_cost=0)
    with pytest.raises(ApplicationError, match="No demand for cycle 2027-01"):
        builder.build_problem(cycle=cycle)


def test_a_catalog_scenario_solves_end_to_end_with_levers(supply, cycle, catalog):
    scenario = services.scenario_create(actor=supply, cycle=cycle, name="Spot out", levers=[
        {"type": "supplier_failure", "component": "DIE", "option": "spot", "from": cycle.periods[0],
         "to": cycle.periods[2]}])
    run = services.solve_submit(actor=supply, scenario=scenario, time_limit=60)
    assert run.demand_source.startswith("budget (AOP)")
    assert run.problem["components"][0]["supply_options"][1]["capacity"][:4] == [0, 0, 0, 40]
    assert tasks.solve_run(run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.kpis["profit"] == pytest.approx(run.plan["objective"]["profit"])
