"""Published aggregate-planning cases with their published optimal cost."""

from __future__ import annotations

from .helpers import approx, run

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]


def red_tomato(integer: bool = False) -> dict:
    """Red Tomato Tools, Chopra & Meindl, *Supply Chain Management: Strategy,
    Planning, and Operation*, ch. 8 "Aggregate Planning in a Supply Chain"
    (aggregate planning by linear programming).

    Demand Jan-Jun 1,600 / 3,000 / 3,200 / 3,800 / 2,200 / 2,200; price $40;
    material $10/unit; holding $2/unit/month; stockout (backlog) $5/unit/month;
    hiring $300, layoff $500 per worker; 4 labour hours per unit; regular time
    $4/h, 8 h x 20 days = 160 h per worker per month (so $640 per worker-month);
    overtime $6/h, at most 10 h per worker per month; subcontracting $30/unit;
    starting inventory 1,000, ending inventory at least 500; 80 workers at the
    start; no backlog at the start or the end.

    Mapping: one family and one channel that takes backlog (lost sales not
    allowed, ending backlog at most 0), one workforce resource. With all demand
    shipped, revenue is fixed at 40 x 16,000 = $640,000, so maximizing profit is
    minimizing the book's cost.
    """
    demand = [1600, 3000, 3200, 3800, 2200, 2200]
    return {
        "format": "sop-problem/1",
        "name": "Red Tomato Tools",
        "currency": "USD",
        "periods": MONTHS,
        "families": [
            {
                "code": "tools",
                "price": 40,
                "material_cost": 10,
                "holding_cost": 2,
                "initial_inventory": 1000,
                "min_ending_inventory": 500,
                "subcontract": {"cost": 30, "capacity": None},
            }
        ],
        "channels": [{"code": "retail", "backlog_cost": 5, "lost_sale_cost": None, "max_ending_backlog": 0}],
        "demand": [
            {"family": "tools", "channel": "retail", "period": m, "quantity": q}
            for m, q in zip(MONTHS, demand, strict=True)
        ],
        "resources": [
            {
                "code": "plant",
                "workforce": {
                    "initial": 80,
                    "hours_per_worker": 160,
                    "cost_per_worker": 640,
                    "hire_cost": 300,
                    "layoff_cost": 500,
                    "integer": integer,
                },
                "overtime": {"cost_per_hour": 6, "max_hours_per_worker": 10},
            }
        ],
        "routings": [{"family": "tools", "resource": "plant", "hours_per_unit": 4}],
    }


def test_red_tomato_tools_lp_matches_the_published_optimal_cost_422275():
    plan = run(red_tomato())
    obj = plan["objective"]
    assert plan["status"] == "optimal"
    assert approx(obj["total_cost"], 422_275, rel=1e-9)
    assert approx(obj["profit"], 640_000 - 422_275, rel=1e-9)
    # The book's plan: lay off 15.6 workers in January, then a level 64.6
    # workforce producing 2,583 a month; inventory 1,983 / 1,567 / 950, a
    # backlog of 267 in April, 500 in stock at the end, no overtime or
    # subcontracting.
    res = plan["resources"][0]["periods"]
    assert approx(res[0]["layoffs"], 15.4166667, rel=1e-6)
    assert all(approx(r["workers"], 64.5833333, rel=1e-6) for r in res)
    fam = plan["families"][0]["periods"]
    assert [round(p["inventory"]) for p in fam] == [1983, 1567, 950, 0, 117, 500]
    assert round(fam[3]["backlog"]["retail"]) == 267
    assert obj["costs"]["overtime"] == 0 and obj["costs"]["subcontract"] == 0


def test_red_tomato_tools_with_whole_workers_costs_more_than_the_lp():
    # The book solves the LP; with integer workers the optimum can only be
    # dearer. (Computed here: 422,660 with 65 workers from January.)
    plan = run(red_tomato(integer=True))
    assert plan["objective"]["total_cost"] >= 422_275 - 1e-6
    assert approx(plan["objective"]["total_cost"], 422_660, rel=1e-6)
    assert all(float(r["workers"]).is_integer() for r in plan["resources"][0]["periods"])


def sailco() -> dict:
    """Sailco Corporation, Winston, *Operations Research: Applications and
    Algorithms*, section 3.10 (multiperiod decision problems), Example "Sailco".

    Demand for sailboats in the next four quarters 40 / 60 / 75 / 25, all met on
    time; 10 boats on hand; up to 40 boats a quarter on regular time at $400 a
    boat, any more on overtime at $450 a boat; $20 per boat held at the end of a
    quarter. Published optimum: $78,450 (regular 40/40/40/25, overtime 0/10/35/0).

    Mapping: one resource with 40 regular hours (1 hour per boat) at $400/h and
    unlimited overtime at $450/h; demand must be met (backlog allowed but at a
    prohibitive $1,000 per boat-quarter, no lost sales, no ending backlog); price
    0, so profit = -cost.
    """
    quarters = ["Q1", "Q2", "Q3", "Q4"]
    demand = [40, 60, 75, 25]
    return {
        "format": "sop-problem/1",
        "name": "Sailco",
        "currency": "USD",
        "periods": quarters,
        "families": [{"code": "sailboat", "price": 0, "holding_cost": 20, "initial_inventory": 10}],
        "channels": [
            {"code": "customers", "backlog_cost": 1000, "lost_sale_cost": None, "max_ending_backlog": 0}
        ],
        "demand": [
            {"family": "sailboat", "period": q, "quantity": d} for q, d in zip(quarters, demand, strict=True)
        ],
        "resources": [
            {
                "code": "labor",
                "capacity": 40,
                "regular_cost_per_hour": 400,
                "overtime": {"cost_per_hour": 450},
            }
        ],
        "routings": [{"family": "sailboat", "resource": "labor", "hours_per_unit": 1}],
    }


def test_sailco_matches_the_published_optimal_cost_78450():
    plan = run(sailco())
    assert plan["status"] == "optimal"
    assert approx(plan["objective"]["total_cost"], 78_450, rel=1e-9)
    res = plan["resources"][0]["periods"]
    assert [round(r["hours_used"] - r["overtime_hours"]) for r in res] == [40, 40, 40, 25]
    assert [round(r["overtime_hours"]) for r in res] == [0, 10, 35, 0]
    # One more regular hour in Q1 replaces a Q2 overtime boat: 450 - 400 - 20 = 30.
    assert approx(res[0]["shadow_price"], 30)
