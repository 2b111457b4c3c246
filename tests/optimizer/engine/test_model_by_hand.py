"""One small case per constraint and per cost term, each optimum computed by hand
in the test. Every plan also passes the independent checker in helpers.py."""

from __future__ import annotations

import pytest

from .helpers import approx, dem, problem, profit, run

R1 = [{"code": "R", "capacity": 10}]
ROUTE = [{"family": "F", "resource": "R", "hours_per_unit": 1}]
PEN = {"infeasibility_penalty": 100}


def fam(**kw):
    return [{"code": "F", "price": 10, **kw}]


def period(plan, kind="families", i=0, t=0):
    return plan[kind][i]["periods"][t]


# ---- revenue and the cost terms ------------------------------------------


def test_revenue_and_material_cost():
    # 5 units at 10, material 4 each: 50 - 20 = 30.
    plan = run(problem(families=fam(material_cost=4), demand=dem(5)))
    assert approx(profit(plan), 30)
    assert approx(plan["objective"]["costs"]["material"], 20)
    assert plan["status"] == "optimal"


def test_demand_lines_for_the_same_key_add_up_at_their_weighted_price():
    # 2 units at 5 and 2 at 15: 4 units worth 40.
    lines = dem(2, price=5) + dem(2, price=15)
    plan = run(problem(demand=lines))
    assert approx(plan["objective"]["revenue"], 40)


def test_price_override_replaces_list_price():
    # List price 10, line price 7: 3 units earn 21.
    plan = run(problem(demand=dem(3, price=7)))
    assert approx(plan["objective"]["revenue"], 21)


def test_holding_cost_and_build_ahead_balance_inventory():
    # Capacity 10/period, demand 0 then 15: build 5 ahead (hold 1 period at 1): 150 - 5 = 145.
    plan = run(problem(2, families=fam(holding_cost=1), demand=dem([0, 15]), resources=R1, routings=ROUTE))
    assert approx(profit(plan), 145)
    assert approx(period(plan)["inventory"], 5)
    assert approx(plan["objective"]["costs"]["holding"], 5)


def test_initial_inventory_is_sold():
    # No production possible, 5 on hand: revenue 50.
    plan = run(problem(families=fam(initial_inventory=5, max_production=0), demand=dem(8)))
    assert approx(profit(plan), 50)


def test_backlog_cost_carries_unmet_demand_to_next_period():
    # Demand 15 then 0, capacity 10: backlog 5 one period at 2: 150 - 10 = 140.
    chans = [{"code": "c", "backlog_cost": 2, "lost_sale_cost": None, "max_ending_backlog": 0}]
    plan = run(problem(2, channels=chans, demand=dem([15, 0]), resources=R1, routings=ROUTE))
    assert approx(profit(plan), 140)
    assert approx(period(plan)["backlog"]["c"], 5)
    assert approx(plan["objective"]["costs"]["backlog"], 10)


def test_lost_sales_cost_on_a_channel_without_backlog():
    # Demand 15, capacity 10, lost cost 3: 100 - 15 = 85; B is 0 there.
    chans = [{"code": "c", "backlog_cost": None, "lost_sale_cost": 3}]
    plan = run(problem(channels=chans, demand=dem(15), resources=R1, routings=ROUTE))
    assert approx(profit(plan), 85)
    assert approx(period(plan)["lost"]["c"], 5)
    assert period(plan)["backlog"]["c"] == 0


def test_no_lost_sales_where_lost_sale_cost_is_null():
    # Lost not allowed: the 5 short units stay in backlog at 1: 100 - 5 = 95
    # (losing them would have cost nothing).
    chans = [{"code": "c", "backlog_cost": 1, "lost_sale_cost": None}]
    plan = run(problem(channels=chans, demand=dem(15), resources=R1, routings=ROUTE))
    assert approx(profit(plan), 95)
    assert period(plan)["lost"]["c"] == 0
    assert approx(period(plan)["backlog"]["c"], 5)


def test_initial_backlog_is_owed_and_shipped():
    # 4 owed from before period 0, no new demand: ship 4 at 10 = 40.
    chans = [{"code": "c", "backlog_cost": 1, "lost_sale_cost": None}]
    plan = run(problem(families=fam(initial_backlog={"c": 4}), channels=chans, resources=R1, routings=ROUTE))
    assert approx(profit(plan), 40)
    assert approx(period(plan)["shipments"]["c"], 4)


def test_regular_labor_cost_and_shadow_price_of_fixed_capacity():
    # Capacity 10 h at 2/h, demand 15 at 10: 100 - 20 = 80; an extra hour is worth 10 - 2 = 8.
    res = [{"code": "R", "capacity": 10, "regular_cost_per_hour": 2}]
    plan = run(problem(demand=dem(15), resources=res, routings=ROUTE))
    assert approx(profit(plan), 80)
    assert approx(plan["objective"]["costs"]["regular_labor"], 20)
    assert approx(period(plan, "resources")["shadow_price"], 8)
    assert approx(period(plan, "resources")["utilization"], 1.0)
    assert "one more hour of R in p1 is worth 8.00 USD" in " ".join(plan["explanations"])


def test_overtime_per_period_cap_and_cost():
    # 10 regular h at 2 + up to 3 OT h at 5; demand 15: ship 13: 130 - 20 - 15 = 95.
    res = [
        {
            "code": "R",
            "capacity": 10,
            "regular_cost_per_hour": 2,
            "overtime": {"cost_per_hour": 5, "max_hours": 3},
        }
    ]
    plan = run(problem(demand=dem(15), resources=res, routings=ROUTE))
    assert approx(profit(plan), 95)
    r = period(plan, "resources")
    assert approx(r["overtime_hours"], 3) and approx(r["hours_used"], 13)
    assert approx(plan["objective"]["costs"]["overtime"], 15)


def _workforce(**wf):
    base = {
        "initial": 2,
        "hours_per_worker": 5,
        "cost_per_worker": 10,
        "hire_cost": 1000,
        "layoff_cost": 1000,
    }
    base.update(wf)
    return base


def test_workforce_cost_per_worker_and_overtime_per_worker():
    # 2 workers x 5 h + 1 OT h each (3/h); demand 20: 12 units: 120 - 20 - 6 = 94.
    res = [
        {"code": "R", "workforce": _workforce(), "overtime": {"cost_per_hour": 3, "max_hours_per_worker": 1}}
    ]
    plan = run(problem(demand=dem(20), resources=res, routings=ROUTE))
    assert approx(profit(plan), 94)
    r = period(plan, "resources")
    assert approx(r["workers"], 2) and approx(r["overtime_hours"], 2) and approx(r["regular_hours"], 10)


def test_hiring_cost():
    # Worker 10 + hire 10 per 5 h (4/unit) vs OT 3/h limited to 1 h per worker.
    # Cover 20 units: 5W + OT = 20, OT <= W -> W = 10/3, OT = 10/3.
    # Cost 10W + 10(W-2) + 3 OT = 200/3 - 20 + 10 = 56.67; profit 200 - 56.67.
    res = [
        {
            "code": "R",
            "workforce": _workforce(hire_cost=10),
            "overtime": {"cost_per_hour": 3, "max_hours_per_worker": 1},
        }
    ]
    plan = run(problem(demand=dem(20), resources=res, routings=ROUTE))
    assert approx(profit(plan), 200 - (200 / 3 - 20 + 10))
    assert approx(period(plan, "resources")["hires"], 4 / 3)


def test_layoff_cost():
    # 4 workers (5 h, 10 each), demand 10/period for 2 periods: lay off 2 at 3:
    # 200 - 2*2*10 - 6 = 154 (keeping 4 would cost 80).
    res = [{"code": "R", "workforce": _workforce(initial=4, layoff_cost=3)}]
    plan = run(problem(2, demand=dem(10, periods=2), resources=res, routings=ROUTE))
    assert approx(profit(plan), 154)
    assert approx(period(plan, "resources")["layoffs"], 2)
    assert approx(plan["objective"]["costs"]["layoffs"], 6)


def test_integer_workforce_makes_a_mip():
    # 5 h per worker at 10, demand 7 at 10: LP would hire 1.4 (profit 56);
    # whole workers: 1 -> 40, 2 -> 70 - 20 = 50.
    res = [{"code": "R", "workforce": _workforce(initial=0, hire_cost=0, integer=True)}]
    plan = run(problem(demand=dem(7), resources=res, routings=ROUTE))
    assert approx(profit(plan), 50)
    assert plan["status"] == "optimal" and plan["solver"]["gap"] <= 1e-4


def test_workforce_bounds_are_elastic_when_they_conflict():
    # min 3 > max 2, no demand, worker costs 10: keep 2 and violate min by 1 (penalty 100).
    res = [{"code": "R", "workforce": _workforce(min=3, max=2, hire_cost=0)}]
    plan = run(problem(resources=res, routings=ROUTE, policies=PEN))
    assert approx(profit(plan), -20 - 100)
    assert plan["status"] == "infeasible_relaxed"
    v = plan["violations"][0]
    assert v["constraint"] == "workforce_min" and v["resource"] == "R" and approx(v["amount"], 1)


def test_workforce_max_is_elastic_when_layoffs_cost_more_than_the_penalty():
    # 5 workers, at most 2, layoff 1000 each vs penalty 100 per worker over:
    # keep 5 (3 over: 300) at 10 each (50): -350; laying off 3 would cost 3000 + 20.
    res = [{"code": "R", "workforce": _workforce(initial=5, max=2)}]
    plan = run(problem(resources=res, routings=ROUTE, policies=PEN))
    assert approx(profit(plan), -350)
    assert [v["constraint"] for v in plan["violations"]] == ["workforce_max"]
    assert approx(plan["violations"][0]["amount"], 3)


def test_subcontract_cost_and_capacity():
    # No in-house capacity; subcontract 4 units at 6: 4 * (10 - 6) = 16.
    res = [{"code": "R", "capacity": 0}]
    plan = run(
        problem(
            families=fam(subcontract={"cost": 6, "capacity": 4}),
            demand=dem(10),
            resources=res,
            routings=ROUTE,
        )
    )
    assert approx(profit(plan), 16)
    assert approx(period(plan)["subcontract"], 4)
    assert approx(plan["objective"]["costs"]["subcontract"], 24)


def test_max_production():
    # No resources, at most 3 per period, material 1: 3 * 9 = 27.
    plan = run(problem(families=fam(material_cost=1, max_production=3), demand=dem(10)))
    assert approx(profit(plan), 27)


def test_min_ending_inventory():
    # Demand 5, min ending inventory 3, material 1: produce 8: 50 - 8 = 42.
    plan = run(problem(families=fam(material_cost=1, min_ending_inventory=3), demand=dem(5)))
    assert approx(profit(plan), 42)
    assert approx(period(plan)["inventory"], 3)


def test_min_ending_inventory_relaxed_when_impossible():
    # Capacity 2, target 3, no demand, material 1: end with 2, violate by 1: -2 - 100.
    plan = run(
        problem(
            families=fam(material_cost=1, min_ending_inventory=3),
            resources=[{"code": "R", "capacity": 2}],
            routings=ROUTE,
            policies=PEN,
        )
    )
    assert approx(profit(plan), -102)
    assert plan["status"] == "infeasible_relaxed"
    assert plan["violations"] == [
        {"constraint": "min_ending_inventory", "family": "F", "period": "p1", "amount": 1.0}
    ]
    assert approx(plan["objective"]["costs"]["penalties"], 100)


def test_max_ending_backlog_relaxed_when_impossible():
    # Demand 15, capacity 10, no lost sales, backlog 1, at most 2 left: 100 - 5 - 3*100.
    chans = [{"code": "c", "backlog_cost": 1, "lost_sale_cost": None, "max_ending_backlog": 2}]
    plan = run(problem(channels=chans, demand=dem(15), resources=R1, routings=ROUTE, policies=PEN))
    assert approx(profit(plan), 100 - 5 - 300)
    assert plan["violations"] == [
        {"constraint": "max_ending_backlog", "family": "F", "channel": "c", "period": "p1", "amount": 3.0}
    ]


def test_fill_rate_floor_reallocates_to_a_cheaper_channel():
    # A (10) and B (8, fill >= 50%) each want 10, capacity 10: B gets 5: 50 + 40 = 90.
    chans = [{"code": "A"}, {"code": "B", "min_fill_rate": 0.5}]
    lines = dem(10, channel="A") + [
        {"family": "F", "channel": "B", "period": "p1", "quantity": 10, "price": 8}
    ]
    plan = run(problem(channels=chans, demand=lines, resources=R1, routings=ROUTE))
    assert approx(profit(plan), 90)
    assert approx(period(plan)["shipments"]["B"], 5)


def test_fill_rate_counts_only_shipments_in_the_demand_period():
    # A (no backlog, 10) and B (backlog 0.5, price 8, fill >= 60%) both want 10 in p1;
    # capacity 10 per period. Without the floor B would wait for p2 (profit 175).
    # With it B needs 6 on time: p1 ships 4 A + 6 B, p2 ships 4 B late:
    # 40 + 80 - 4 * 0.5 = 118.
    # (Revenue uses the price of the shipping period, so B's price is the list price 8.)
    chans = [{"code": "A"}, {"code": "B", "backlog_cost": 0.5, "lost_sale_cost": None, "min_fill_rate": 0.6}]
    lines = dem([10, 0], channel="A", price=10) + [
        {"family": "F", "channel": "B", "period": "p1", "quantity": 10}
    ]
    plan = run(
        problem(
            2,
            families=[{"code": "F", "price": 8}],
            channels=chans,
            demand=lines,
            resources=R1,
            routings=ROUTE,
        )
    )
    assert approx(profit(plan), 118)
    assert approx(plan["on_time"]["B"]["fill_rate"], 0.6)


def test_fill_rate_floor_relaxed_when_impossible():
    # B needs 100% of 10 but capacity is 4: 6 short at penalty 100: 32 - 600.
    chans = [{"code": "B", "min_fill_rate": 1.0}]
    plan = run(
        problem(
            channels=chans,
            demand=dem(10, channel="B", price=8),
            resources=[{"code": "R", "capacity": 4}],
            routings=ROUTE,
            policies=PEN,
        )
    )
    assert approx(profit(plan), 32 - 600)
    assert plan["violations"] == [
        {"constraint": "min_fill_rate", "channel": "B", "period": None, "amount": 6.0}
    ]


def test_safety_stock_shortfall_cost_is_weighed_against_holding():
    # Target 4, material 2. Shortfall at 1/unit (4) beats stocking (8).
    plan = run(problem(families=fam(material_cost=2, safety_stock=4, safety_stock_shortfall_cost=1)))
    assert approx(profit(plan), -4)
    assert approx(period(plan)["safety_stock_shortfall"], 4)
    # At 3/unit (12) stocking (8) wins.
    plan = run(problem(families=fam(material_cost=2, safety_stock=4, safety_stock_shortfall_cost=3)))
    assert approx(profit(plan), -8)
    assert period(plan)["safety_stock_shortfall"] == 0


def test_hard_safety_stock_is_elastic_at_the_penalty():
    # Shortfall cost null = hard floor; capacity 2 < target 4: violation 2 at 100.
    plan = run(
        problem(
            families=fam(safety_stock=4),
            resources=[{"code": "R", "capacity": 2}],
            routings=ROUTE,
            policies=PEN,
        )
    )
    assert approx(profit(plan), -200)
    assert plan["status"] == "infeasible_relaxed"
    assert plan["violations"][0]["constraint"] == "safety_stock"
    assert approx(period(plan)["safety_stock_shortfall"], 2)


def test_working_capital_limit_caps_build_ahead():
    # Unit value = material 5. Demand 0 then 16, capacity 10: without a limit
    # build 6 ahead (profit 160 - 80 = 80); limit 20 allows 4 units: 140 - 70 = 70.
    doc = problem(2, families=fam(material_cost=5), demand=dem([0, 16]), resources=R1, routings=ROUTE)
    assert approx(profit(run(doc)), 80)
    doc["policies"] = {"working_capital_limit": 20}
    plan = run(doc)
    assert approx(profit(plan), 70)
    assert approx(period(plan)["inventory"], 4)


def test_working_capital_violation_is_priced_in_currency():
    # 10 units on hand worth 5 each, no demand, limit 20: 30 over at 100 per unit of value.
    doc = problem(
        families=fam(material_cost=5, initial_inventory=10),
        policies={"working_capital_limit": 20, "infeasibility_penalty": 100},
    )
    plan = run(doc)
    assert approx(profit(plan), -3000)
    assert plan["violations"] == [{"constraint": "working_capital_limit", "period": "p1", "amount": 30.0}]


def test_working_capital_values_components_at_first_option_period_zero_price():
    # F: material 5 + 2 K at 3 (first option, period 0) = 11 per unit; K itself 3.
    # 1 unit of F and 2 of K on hand, no demand, limit 10: value 11 + 6 = 17 -> 7 over.
    comps = [{"code": "K", "initial_inventory": 2, "supply_options": [{"code": "a", "price": [3, 9]}]}]
    doc = problem(
        2,
        families=fam(material_cost=5, initial_inventory=1, max_production=0),
        components=comps,
        bom=[{"family": "F", "component": "K", "quantity_per_unit": 2}],
        policies={"working_capital_limit": [100, 10], "infeasibility_penalty": 1},
    )
    plan = run(doc)
    assert plan["violations"] == [{"constraint": "working_capital_limit", "period": "p2", "amount": 7.0}]


# ---- components --------------------------------------------------------


def _comp(options, **kw):
    return [{"code": "K", "supply_options": options, **kw}]


BOM1 = [{"family": "F", "component": "K", "quantity_per_unit": 1}]


def test_component_lead_time_and_procurement_cost():
    # 2 K per unit, contract at 2 with lead 1, nothing on hand: p1 demand is lost,
    # p2: order 10 in p1 (cost 20), ship 5: 50 - 20 = 30. Orders in p2 would arrive
    # after the horizon and are not modelled.
    comps = _comp([{"code": "contract", "price": 2, "lead_time": 1}])
    bom = [{"family": "F", "component": "K", "quantity_per_unit": 2}]
    plan = run(problem(2, demand=dem(5, periods=2), components=comps, bom=bom))
    assert approx(profit(plan), 30)
    k = plan["components"][0]["periods"]
    assert approx(k[0]["orders"]["contract"], 10) and k[1]["orders"]["contract"] == 0
    assert approx(plan["objective"]["costs"]["procurement"], 20)


def test_scheduled_receipts_feed_production():
    # Same, with 10 K already on order for p1: p1 ships 5 too: 50 + 30 = 80.
    comps = _comp([{"code": "contract", "price": 2, "lead_time": 1}], scheduled_receipts=[10, 0])
    bom = [{"family": "F", "component": "K", "quantity_per_unit": 2}]
    plan = run(problem(2, demand=dem(5, periods=2), components=comps, bom=bom))
    assert approx(profit(plan), 80)


def test_component_holding_cost_counts_in_holding():
    # 5 K arrive in p1, demand 5 in p2; holding K (0.5) beats holding F (2): 50 - 2.5.
    comps = _comp([], scheduled_receipts=[5, 0], holding_cost=0.5)
    plan = run(problem(2, families=fam(holding_cost=2), demand=dem([0, 5]), components=comps, bom=BOM1))
    assert approx(profit(plan), 47.5)
    assert approx(plan["components"][0]["periods"][0]["inventory"], 5)


def test_moq_forces_a_minimum_lot():
    # Need 5 K; contract at 1 with MOQ 8 (3 left over, held at 2 -> 6; holding
    # them as finished goods would cost 5 each) costs 14, spot at 3 costs 15:
    # take the contract lot: 50 - 14 = 36.
    comps = _comp([{"code": "contract", "price": 1, "moq": 8}, {"code": "spot", "price": 3}], holding_cost=2)
    plan = run(problem(families=fam(holding_cost=5), demand=dem(5), components=comps, bom=BOM1))
    assert approx(profit(plan), 36)
    assert approx(plan["components"][0]["periods"][0]["orders"]["contract"], 8)


def test_order_cost_is_paid_once_per_order():
    # Contract at 1 + 10 per order, spot at 2. For 5 units spot wins (10 < 15): 40;
    # for 20 units the contract wins (30 < 40): 170.
    comps = _comp([{"code": "contract", "price": 1, "order_cost": 10}, {"code": "spot", "price": 2}])
    plan = run(problem(demand=dem(5), components=comps, bom=BOM1))
    assert approx(profit(plan), 40)
    plan = run(problem(demand=dem(20), components=comps, bom=BOM1))
    assert approx(profit(plan), 170)
    assert approx(plan["objective"]["costs"]["procurement"], 30)


def test_supply_option_capacity():
    # Contract at 1 for at most 3, air freight at 4: 3 + 8 = 11: 50 - 11 = 39.
    comps = _comp([{"code": "contract", "price": 1, "capacity": 3}, {"code": "air", "price": 4}])
    plan = run(problem(demand=dem(5), components=comps, bom=BOM1))
    assert approx(profit(plan), 39)


# ---- price as a decision ----------------------------------------------


def test_price_options_choose_a_mix_of_prices():
    # Options (10 for 10 units) and (12 for 6 units), capacity 8. Weight a on the
    # first: revenue 72 + 28a for a <= 0.5 and 92 - 12a above: best a = 0.5 -> 86.
    line = {
        "family": "F",
        "channel": "c",
        "period": "p1",
        "price_options": [{"price": 10, "quantity": 10}, {"price": 12, "quantity": 6}],
    }
    plan = run(problem(demand=[line], resources=[{"code": "R", "capacity": 8}], routings=ROUTE))
    assert approx(profit(plan), 86)
    choice = plan["price_choice"][0]
    assert approx(choice["options"][0]["weight"], 0.5) and approx(choice["demand"], 8)


def test_default_penalty_is_1e7_per_unit():
    plan = run(problem(families=fam(min_ending_inventory=1, max_production=0)))
    assert approx(plan["objective"]["costs"]["penalties"], 1e7)


@pytest.mark.parametrize("cap,expected", [(10, 100), (12, 120)])
def test_profit_grows_with_capacity(cap, expected):
    plan = run(problem(demand=dem(15), resources=[{"code": "R", "capacity": cap}], routings=ROUTE))
    assert approx(profit(plan), expected)
