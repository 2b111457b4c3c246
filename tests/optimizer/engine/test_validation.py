"""Invalid documents get a ProblemError naming the field path and the reason."""

from __future__ import annotations

import copy
import json

import pytest

from optimizer.engine import ProblemError, solve, validate
from optimizer.engine.schema import SCHEMA_PATH, problem_schema


def good() -> dict:
    return {
        "format": "sop-problem/1",
        "name": "ok",
        "currency": "USD",
        "periods": ["p1", "p2"],
        "families": [
            {"code": "F", "price": 10, "subcontract": {"cost": 5, "capacity": [1, 2]}},
            {"code": "G", "price": [10, 11]},
        ],
        "channels": [
            {"code": "direct", "backlog_cost": 1, "lost_sale_cost": None},
            {"code": "web", "lost_sale_cost": 0},
        ],
        "demand": [
            {"family": "F", "channel": "direct", "period": "p1", "quantity": 5},
            {
                "family": "G",
                "channel": "web",
                "period": "p2",
                "price_options": [{"price": 9, "quantity": 5}, {"price": 11, "quantity": 3}],
            },
        ],
        "resources": [
            {"code": "R", "capacity": [10, 10], "overtime": {"cost_per_hour": 2, "max_hours": 3}},
            {
                "code": "W",
                "workforce": {"initial": 2, "hours_per_worker": 8, "max": [3, 4]},
                "overtime": {"cost_per_hour": 3, "max_hours_per_worker": 2},
            },
        ],
        "routings": [{"family": "F", "resource": "R", "hours_per_unit": 1}],
        "components": [
            {"code": "K", "supply_options": [{"code": "a", "price": [1, 2], "lead_time": 1, "moq": 3}]}
        ],
        "bom": [{"family": "F", "component": "K", "quantity_per_unit": 2}],
        "policies": {"working_capital_limit": [100, None], "infeasibility_penalty": 1000},
    }


def test_the_reference_document_is_valid():
    assert validate(good()) == []


def _set(doc: dict, path: list, value) -> None:
    obj = doc
    for key in path[:-1]:
        obj = obj[key]
    if value is _DELETE:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


_DELETE = object()

BAD = [
    # (change at path, new value, expected error path, words in the reason)
    (["format"], "sop-problem/2", "format", "must be 'sop-problem/1'"),
    (["periods"], [], "periods", "at least 1"),
    (["periods"], ["p1", "p1"], "periods", "unique"),
    (["families"], _DELETE, "families", "required"),
    (["families", 0, "code"], _DELETE, "families[0].code", "required"),
    (["families", 1, "code"], "F", "families[1].code", "duplicate code 'F'"),
    (["families", 0, "price"], -1, "families[0].price", ">= 0"),
    (["families", 0, "price"], "ten", "families[0].price", "expected"),
    (["families", 1, "price"], [10, 11, 12], "families[1].price", "3 values, expected 2"),
    (
        ["families", 0, "subcontract", "capacity"],
        [1],
        "families[0].subcontract.capacity",
        "1 values, expected 2",
    ),
    (
        ["families", 0, "initial_backlog"],
        {"nowhere": 3},
        "families[0].initial_backlog.nowhere",
        "unknown channel",
    ),
    (["families", 0, "holding_cost"], True, "families[0].holding_cost", "expected number"),
    (["channels", 1, "backlog_cost"], None, None, None),  # still valid: web has lost_sale_cost 0
    (["channels", 0, "lost_sale_cost"], None, None, None),
    (
        ["channels", 1, "lost_sale_cost"],
        None,
        "channels[1].lost_sale_cost",
        "only valid where backlog is allowed",
    ),
    (["channels", 0, "min_fill_rate"], 1.5, "channels[0].min_fill_rate", "<= 1"),
    (["channels", 1, "code"], "direct", "channels[1].code", "duplicate"),
    (["demand", 0, "family"], "X", "demand[0].family", "unknown family 'X'"),
    (["demand", 0, "channel"], "mail", "demand[0].channel", "unknown channel 'mail'"),
    (["demand", 0, "channel"], _DELETE, "demand[0].channel", "several channels"),
    (["demand", 0, "period"], "p9", "demand[0].period", "unknown period 'p9'"),
    (["demand", 0, "quantity"], -5, "demand[0].quantity", ">= 0"),
    (["demand", 0, "quantity"], _DELETE, "demand[0].quantity", "required"),
    (["demand", 1, "channel"], "direct", "demand[1].price_options", "channels without backlog"),
    (["demand", 1, "quantity"], 4, "demand[1].quantity", "not both"),
    (["demand", 1, "price_options", 0, "price"], -1, "demand[1].price_options[0].price", ">= 0"),
    (["demand", 1, "price_options"], [], "demand[1].price_options", "at least 1"),
    (["resources", 0, "capacity"], _DELETE, "resources[0].capacity", "required unless"),
    (["resources", 0, "capacity"], [10], "resources[0].capacity", "1 values, expected 2"),
    (["resources", 1, "capacity"], 5, "resources[1].capacity", "not both"),
    (["resources", 1, "workforce", "hours_per_worker"], 0, "resources[1].workforce.hours_per_worker", "> 0"),
    (["resources", 1, "workforce", "max"], [1, 2, 3], "resources[1].workforce.max", "expected 2"),
    (
        ["resources", 0, "overtime", "max_hours_per_worker"],
        2,
        "resources[0].overtime.max_hours_per_worker",
        "workforce",
    ),
    (
        ["resources", 0, "overtime", "cost_per_hour"],
        _DELETE,
        "resources[0].overtime.cost_per_hour",
        "required",
    ),
    (["routings", 0, "resource"], "Z", "routings[0].resource", "unknown resource 'Z'"),
    (["routings", 0, "hours_per_unit"], -1, "routings[0].hours_per_unit", ">= 0"),
    (
        ["components", 0, "supply_options", 0, "price"],
        [1],
        "components[0].supply_options[0].price",
        "expected 2",
    ),
    (
        ["components", 0, "supply_options", 0, "lead_time"],
        1.5,
        "components[0].supply_options[0].lead_time",
        "integer",
    ),
    (["components", 0, "supply_options", 0, "moq"], -3, "components[0].supply_options[0].moq", ">= 0"),
    (
        ["components", 0, "supply_options"],
        [{"code": "a", "price": 1}, {"code": "a", "price": 2}],
        "components[0].supply_options[1].code",
        "duplicate",
    ),
    (["components", 0, "supply_options"], _DELETE, "components[0].supply_options", "required"),
    (["components", 0, "scheduled_receipts"], [1, 2, 3], "components[0].scheduled_receipts", "expected 2"),
    (["bom", 0, "component"], "Q", "bom[0].component", "unknown component 'Q'"),
    (["bom", 0, "quantity_per_unit"], "2", "bom[0].quantity_per_unit", "expected number"),
    (["policies", "infeasibility_penalty"], 0, "policies.infeasibility_penalty", "> 0"),
    (["policies", "working_capital_limit"], [1], "policies.working_capital_limit", "expected 2"),
    (["families", 0, "price"], float("nan"), "families[0].price", "finite"),
]


@pytest.mark.parametrize(
    "path,value,where,why", BAD, ids=[f"{'.'.join(map(str, b[0]))}={b[1]!r}"[:60] for b in BAD]
)
def test_invalid_document_names_the_field_and_the_reason(path, value, where, why):
    doc = good()
    _set(doc, path, value)
    if where is None:
        validate(doc)
        return
    with pytest.raises(ProblemError) as info:
        validate(doc)
    assert info.value.path == where, str(info.value)
    assert why in info.value.reason, str(info.value)
    assert str(info.value).startswith(where + ": ")


def test_a_non_object_document_is_rejected():
    with pytest.raises(ProblemError) as info:
        validate([1, 2])
    assert info.value.path == "$"


def test_solve_raises_the_same_error_and_never_a_traceback_of_its_own():
    doc = good()
    doc["demand"][0]["family"] = "nope"
    with pytest.raises(ProblemError, match=r"demand\[0\]\.family: unknown family 'nope'"):
        solve(doc)


def test_unknown_fields_are_accepted_and_reported_as_warnings():
    doc = good()
    doc["families"][0]["lost_sale_cst"] = 3
    doc["x-note"] = "vendor extension"
    warnings = validate(doc)
    assert warnings == ["unknown field families[0].lost_sale_cst ignored"]
    plan = solve(doc)
    assert plan["warnings"] == warnings


def test_bulk_lines_are_checked_as_strictly_as_the_schema():
    # The fast path for demand lines must not let anything through.
    doc = good()
    doc["demand"] += [{"family": "F", "channel": "direct", "period": "p2", "quantity": 1}] * 50
    doc["demand"].append({"family": "F", "channel": "direct", "period": "p2", "quantity": None})
    with pytest.raises(ProblemError) as info:
        validate(doc)
    assert info.value.path == "demand[52].quantity"


def test_the_published_json_schema_file_is_the_one_in_use():
    with SCHEMA_PATH.open() as fh:
        assert json.load(fh) == problem_schema()
    assert copy.deepcopy(problem_schema())["$schema"].endswith("2020-12/schema")
