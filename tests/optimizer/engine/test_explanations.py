"""Explanations say how each channel was served: on time, late from backlog, lost, left open."""

from __future__ import annotations

from .helpers import dem, problem, run

CAPACITY = {"resources": [{"code": "R", "capacity": 5}], "routings": [{"family": "F", "resource": "R", "hours_per_unit": 1}]}


def channel_notes(plan):
    return [e for e in plan["explanations"] if "channel" in e or "demand" in e]


def test_demand_shipped_late_from_backlog_is_not_called_served_in_full():
    # 10 wanted in p1, 5 can be made per period: 5 ship on time, 5 a period late.
    doc = problem(2, channels=[{"code": "c", "backlog_cost": 1, "lost_sale_cost": None}], demand=dem([10, 0]), **CAPACITY)
    plan = run(doc)
    assert plan["on_time"]["c"]["fill_rate"] == 0.5
    notes = channel_notes(plan)
    assert not any("in full" in e for e in notes), notes
    assert "no demand is lost and no backlog is left at the end, but not every order ships on time" in notes
    assert (
        "channel c was served late, not short: 50.0% of its demand shipped on time, "
        "5.00 units (50.0%) shipped late from backlog, none lost; each unit waiting a period costs 1.00 USD"
    ) in notes


def test_demand_shipped_on_time_everywhere_is_served_in_full_and_on_time():
    doc = problem(2, channels=[{"code": "c", "backlog_cost": 1}], demand=dem([5, 5]), **CAPACITY)
    plan = run(doc)
    assert channel_notes(plan) == ["every channel's demand is shipped in full and on time"]


def test_a_shorted_channel_says_what_was_lost_late_and_left_open_and_its_floor():
    # 20 wanted, 10 can be made: 5 ship in each period, 10 are still owed at the end.
    doc = problem(
        2,
        channels=[{"code": "c", "backlog_cost": 1, "lost_sale_cost": None, "min_fill_rate": 0.2}],
        demand=dem([10, 10]),
        **CAPACITY,
    )
    plan = run(doc)
    (note,) = [e for e in channel_notes(plan) if e.startswith("channel c")]
    assert note.startswith(
        "channel c was shorted: 10 units still in backlog after the last period (50.0% of its demand); "
        "50.0% of its demand shipped on time (its floor is 20%)"
    ), note
    assert "units lost" not in note and "served in full" not in " ".join(plan["explanations"])


def test_lost_sales_on_a_channel_without_backlog_are_named():
    doc = problem(1, channels=[{"code": "shop", "lost_sale_cost": 2}], demand=dem(8, channel="shop"), **CAPACITY)
    plan = run(doc)
    (note,) = [e for e in channel_notes(plan) if e.startswith("channel shop")]
    assert note.startswith(
        "channel shop was shorted: 3.00 units lost (37.5% of its demand); 62.5% of its demand shipped on time: "
        "a unit there is worth 12.00 USD (average price + lost-sale penalty 2.00 USD)"
    ), note
