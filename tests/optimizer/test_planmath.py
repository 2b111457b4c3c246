"""Plan rows and KPIs computed from a problem and its plan (pure, no database)."""
import pytest

from optimizer.engine import solve
from optimizer.planmath import kpis, plan_rows, unit_values
from tests.optimizer.helpers import tiny


@pytest.fixture(scope="module")
def solved():
    doc = tiny()
    return doc, solve(doc, baseline=True)


def test_row_revenue_adds_up_to_the_plans_revenue(solved):
    doc, plan = solved
    rows = plan_rows(doc, plan)
    assert sum(r["revenue"] for r in rows["family_channels"]) == pytest.approx(plan["objective"]["revenue"])
    assert sum(r["revenue"] for r in rows["families"]) == pytest.approx(plan["objective"]["revenue"])
    assert len(rows["families"]) == 2 * 3 and len(rows["family_channels"]) == 2 * 2 * 3
    assert len(rows["resources"]) == 3 and len(rows["components"]) == 3


def test_revenue_of_price_options_uses_the_option_prices_shipped():
    doc = tiny()
    doc["demand"].append({"family": "FPGA-B", "channel": "ecommerce", "period": "2027-02",
                          "price_options": [{"price": 80, "quantity": 5}, {"price": 50, "quantity": 30}]})
    plan = solve(doc)
    rows = plan_rows(doc, plan)
    assert sum(r["revenue"] for r in rows["family_channels"]) == pytest.approx(plan["objective"]["revenue"])


def test_inventory_is_valued_at_unit_value_else_material_plus_bom():
    doc = tiny()
    assert unit_values(doc) == {"FPGA-A": 20 + 10, "FPGA-B": 15}
    doc["families"][1]["unit_value"] = 40
    assert unit_values(doc)["FPGA-B"] == 40


def test_kpis_have_the_header_numbers_and_the_baseline(solved):
    doc, plan = solved
    k = kpis(doc, plan)
    assert k["profit"] == pytest.approx(plan["objective"]["profit"])
    assert k["margin"] == pytest.approx(k["profit"] / k["revenue"])
    assert set(k["service"]) == {"direct", "ecommerce"}
    assert k["service"]["direct"]["fill_rate"] == pytest.approx(plan["on_time"]["direct"]["fill_rate"])
    assert 0 < k["utilization"]["average"] <= k["utilization"]["max"]
    assert k["utilization"]["by_resource"]["LINE"]["binding_periods"] >= 0
    assert k["inventory_value"]["peak"] >= k["inventory_value"]["average"] >= 0
    assert k["baseline"]["profit"] == pytest.approx(plan["comparison"]["baseline_profit"])
    assert k["value"] == pytest.approx(k["profit"] - k["baseline"]["profit"])
    assert k["explanations"] == plan["explanations"]


def test_an_error_plan_has_no_numbers():
    assert kpis(tiny(), {"status": "error", "objective": None}) == {"status": "error", "currency": "USD"}
