"""Scenario levers are pure functions on the problem document (no database)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.engine import validate
from optimizer.levers import LeverError, apply_levers, check_levers, describe
from tests.optimizer.helpers import TINY, tiny


def qty(doc, family, channel, period):
    return sum(line["quantity"] for line in doc["demand"]
               if (line["family"], line["channel"], line["period"]) == (family, channel, period))


def test_no_levers_returns_an_equal_copy_and_never_touches_the_base():
    base = tiny()
    out = apply_levers(base, [])
    assert out == base and out is not base
    apply_levers(base, [{"type": "demand_change", "percent": 50}])
    assert base == TINY


def test_demand_change_scales_only_the_selected_family_channel_and_months():
    out = apply_levers(tiny(), [{"type": "demand_change", "percent": -20, "families": ["FPGA-A"],
                                 "channels": ["ecommerce"], "from": "2027-02", "to": "2027-03"}])
    assert qty(out, "FPGA-A", "ecommerce", "2027-01") == 20
    assert qty(out, "FPGA-A", "ecommerce", "2027-02") == 16
    assert qty(out, "FPGA-A", "ecommerce", "2027-03") == 16
    assert qty(out, "FPGA-A", "direct", "2027-02") == 30
    assert qty(out, "FPGA-B", "ecommerce", "2027-02") == 15
    validate(out)


def test_demand_change_scales_price_option_quantities():
    doc = tiny(demand=[{"family": "FPGA-A", "channel": "ecommerce", "period": "2027-01",
                        "price_options": [{"price": 100, "quantity": 10}, {"price": 90, "quantity": 14}]}])
    out = apply_levers(doc, [{"type": "demand_change", "percent": 50}])
    assert [o["quantity"] for o in out["demand"][0]["price_options"]] == [15, 21]


def test_capacity_change_by_percent_and_hours_in_months_never_below_zero():
    out = apply_levers(tiny(), [{"type": "capacity_change", "resource": "LINE", "percent": -50, "hours": 10,
                                 "from": "2027-02"}])
    assert out["resources"][0]["capacity"] == [120, 70, 70]
    out = apply_levers(tiny(), [{"type": "capacity_change", "resource": "LINE", "hours": -500}])
    assert out["resources"][0]["capacity"] == [0, 0, 0]
    validate(out)


def test_capacity_change_of_a_workforce_resource_is_refused_with_the_reason():
    doc = tiny(resources=[{"code": "LINE", "workforce": {"initial": 3, "hours_per_worker": 40}}])
    with pytest.raises(LeverError, match=r"levers\[0\]\.resource: LINE is a workforce resource"):
        apply_levers(doc, [{"type": "capacity_change", "resource": "LINE", "percent": 10}])


def test_supplier_failure_sets_the_option_capacity_to_zero_for_the_months():
    out = apply_levers(tiny(), [{"type": "supplier_failure", "component": "DIE", "option": "spot",
                                 "from": "2027-02", "to": "2027-03"}])
    spot = out["components"][0]["supply_options"][1]
    assert spot["capacity"] == [30, 0, 0]
    doc = tiny()
    del doc["components"][0]["supply_options"][0]["capacity"]  # unlimited option
    out = apply_levers(doc, [{"type": "supplier_failure", "component": "DIE", "option": "contract", "to": "2027-01"}])
    assert out["components"][0]["supply_options"][0]["capacity"] == [0, None, None]
    validate(out)


def test_price_change_sets_line_prices_and_prices_backlog_months_without_lines():
    doc = tiny()
    doc["demand"] = [line for line in doc["demand"] if line["period"] != "2027-03" or line["channel"] != "direct"]
    out = apply_levers(doc, [{"type": "price_change", "percent": 10, "families": ["FPGA-A"], "channels": ["direct"]}])
    prices = {(line["period"], line["quantity"]): line.get("price") for line in out["demand"]
              if line["family"] == "FPGA-A" and line["channel"] == "direct"}
    assert prices[("2027-01", 30)] == pytest.approx(110)
    # direct takes backlog: backlog shipped in March (no line) is priced by a zero-quantity line.
    assert prices[("2027-03", 0)] == pytest.approx(110)
    untouched = [line for line in out["demand"] if line["family"] == "FPGA-B"]
    assert all("price" not in line for line in untouched)
    validate(out)


def test_new_resource_adds_capacity_from_a_month_and_can_take_routings_over():
    out = apply_levers(tiny(), [{"type": "new_resource", "code": "LINE2", "capacity": 50, "regular_cost_per_hour": 7,
                                 "overtime": {"cost_per_hour": 12, "max_hours": 5},
                                 "routings": [{"family": "FPGA-B", "hours_per_unit": 0.5}],
                                 "takes_over_from": "LINE", "from": "2027-02"}])
    new = out["resources"][-1]
    assert new["code"] == "LINE2" and new["capacity"] == [0, 50, 50] and new["overtime"]["max_hours"] == [0, 5, 5]
    routes = {(r["family"], r["resource"]) for r in out["routings"]}
    assert ("FPGA-B", "LINE2") in routes and ("FPGA-B", "LINE") not in routes and ("FPGA-A", "LINE") in routes
    validate(out)


def test_policy_change_sets_limits_floors_and_safety_stock():
    out = apply_levers(tiny(), [{"type": "policy_change", "working_capital_limit": 5000, "infeasibility_penalty": 1e6,
                                 "min_fill_rate": {"direct": 0.95}, "safety_stock": {"FPGA-A": 10},
                                 "safety_stock_shortfall_cost": {"FPGA-A": None}}])
    assert out["policies"] == {"working_capital_limit": 5000, "infeasibility_penalty": 1e6}
    assert out["channels"][0]["min_fill_rate"] == 0.95
    assert out["families"][0]["safety_stock"] == 10 and out["families"][0]["safety_stock_shortfall_cost"] is None
    removed = apply_levers(out, [{"type": "policy_change", "working_capital_limit": None}])
    assert removed["policies"]["working_capital_limit"] is None
    validate(removed)


def test_levers_apply_in_order():
    out = apply_levers(tiny(), [{"type": "capacity_change", "resource": "LINE", "percent": 100},
                                {"type": "capacity_change", "resource": "LINE", "hours": -40}])
    assert out["resources"][0]["capacity"] == [200, 200, 200]


@pytest.mark.parametrize("lever, path", [
    ({"type": "warp_drive"}, "levers[0].type"),
    ({"type": "demand_change"}, "levers[0].percent"),
    ({"type": "demand_change", "percent": -150}, "levers[0].percent"),
    ({"type": "demand_change", "percent": "lots"}, "levers[0].percent"),
    ({"type": "demand_change", "percent": 5, "families": "FPGA-A"}, "levers[0].families"),
    ({"type": "capacity_change", "resource": "LINE"}, "levers[0].percent"),
    ({"type": "supplier_failure", "component": "DIE"}, "levers[0].option"),
    ({"type": "new_resource", "code": "X", "capacity": 5, "routings": []}, "levers[0].routings"),
    ({"type": "new_resource", "code": "X", "capacity": 5, "routings": [{"family": "F"}]},
     "levers[0].routings[0].hours_per_unit"),
    ({"type": "policy_change"}, "levers[0]"),
    ({"type": "policy_change", "min_fill_rate": {"direct": 1.5}}, "levers[0].min_fill_rate.direct"),
])
def test_malformed_levers_name_the_field(lever, path):
    with pytest.raises(LeverError) as err:
        check_levers([lever])
    assert err.value.path == path


@pytest.mark.parametrize("lever, path", [
    ({"type": "demand_change", "percent": 5, "families": ["NOPE"]}, "levers[0].families[0]"),
    ({"type": "demand_change", "percent": 5, "channels": ["retail"]}, "levers[0].channels[0]"),
    ({"type": "demand_change", "percent": 5, "from": "2031-01"}, "levers[0].from"),
    ({"type": "demand_change", "percent": 5, "from": "2027-03", "to": "2027-01"}, "levers[0].to"),
    ({"type": "capacity_change", "resource": "OVEN", "percent": 5}, "levers[0].resource"),
    ({"type": "supplier_failure", "component": "DIE", "option": "barter"}, "levers[0].option"),
    ({"type": "new_resource", "code": "LINE", "capacity": 5, "routings": [{"family": "FPGA-A", "hours_per_unit": 1}]},
     "levers[0].code"),
    ({"type": "policy_change", "safety_stock": {"NOPE": 3}}, "levers[0].safety_stock.NOPE"),
])
def test_levers_naming_what_the_problem_lacks_are_refused_with_the_path(lever, path):
    with pytest.raises(LeverError) as err:
        apply_levers(tiny(), [lever])
    assert err.value.path == path


def test_describe_reads_like_a_sentence():
    assert describe({"type": "supplier_failure", "component": "DIE", "option": "spot", "from": "2027-02",
                     "to": "2027-04"}) == "Supplier failure: DIE/spot delivers nothing, 2027-02..2027-04"
    assert describe({"type": "demand_change", "percent": -20, "families": [], "channels": ["ecommerce"],
                     "label": "E-com dip"}).startswith("E-com dip: Demand change -20% on all families x ecommerce")


@given(st.floats(min_value=-100, max_value=300, allow_nan=False), st.sampled_from(["FPGA-A", "FPGA-B"]))
def test_any_demand_change_keeps_a_valid_document_and_scales_the_total(percent, family):
    base = tiny()
    out = apply_levers(base, [{"type": "demand_change", "percent": percent, "families": [family]}])
    validate(out)
    before = sum(x["quantity"] for x in base["demand"] if x["family"] == family)
    after = sum(x["quantity"] for x in out["demand"] if x["family"] == family)
    assert after == pytest.approx(before * (1 + percent / 100), abs=1e-4)
