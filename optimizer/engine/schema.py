"""Validation of a problem document (`sop-problem/1`).

Two layers:

* the JSON Schema in ``sop-problem-1.schema.json`` (structure, types, ranges);
* semantic checks a schema cannot express (cross references, duplicate codes,
  per-period list lengths, channel rules, ...), in :mod:`optimizer.engine.checks`.

Both raise :class:`ProblemError` naming the JSON path of the offending field
and the reason, e.g. ``families[2].price: list has 5 values, expected 6 (one
per period)``. Unknown fields are not an error; :func:`validate` returns them as
warnings so a typo is visible in the plan without rejecting the document.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("sop-problem-1.schema.json")


class ProblemError(ValueError):
    """An invalid problem document: ``path`` is a JSON path, ``reason`` says why."""

    def __init__(self, path: str, reason: str):
        self.path = path or "$"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@cache
def problem_schema() -> dict[str, Any]:
    """The JSON Schema of `sop-problem/1` as a dict."""
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def format_path(parts: Any) -> str:
    """``['families', 2, 'price']`` -> ``families[2].price``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "$"


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _num(x: Any) -> bool:
    return (type(x) is float or type(x) is int) and x >= 0


def _code(x: Any) -> bool:
    return type(x) is str and x != ""


def _options_ok(x: Any) -> bool:
    return (
        type(x) is list
        and len(x) > 0
        and all(type(o) is dict and _num(o.get("price")) and _num(o.get("quantity")) for o in x)
    )


def _demand_ok(x: Any) -> bool:
    """True only for demand lines that surely pass the schema (the common case)."""
    return (
        type(x) is dict
        and _options_ok(x.get("price_options", [{"price": 0, "quantity": 0}]))
        and _code(x.get("family"))
        and type(x.get("period")) is str
        and _code(x.get("channel", "_"))
        and _num(x.get("quantity", 0))
        and (x.get("price") is None or _num(x["price"]))
    )


def _routing_ok(x: Any) -> bool:
    return (
        type(x) is dict
        and _code(x.get("family"))
        and _code(x.get("resource"))
        and _num(x.get("hours_per_unit"))
    )


def _bom_ok(x: Any) -> bool:
    return (
        type(x) is dict
        and _code(x.get("family"))
        and _code(x.get("component"))
        and _num(x.get("quantity_per_unit"))
    )


# Bulk lists: lines passing the fast predicate skip jsonschema (~20x faster on
# large documents); any other line is checked by the schema for the message.
_BULK = {
    "demand": ("demandLine", _demand_ok),
    "routings": ("routing", _routing_ok),
    "bom": ("bomLine", _bom_ok),
}


def _schema_error(doc: dict[str, Any]) -> ProblemError | None:
    from jsonschema.exceptions import best_match

    head = {k: ([] if k in _BULK and isinstance(v, list) else v) for k, v in doc.items()}
    error = best_match(_validator("$").iter_errors(head))
    if error is not None:
        return _to_problem_error(error, [])
    for key, (kind, fast_ok) in _BULK.items():
        lines = doc.get(key)
        if not isinstance(lines, list):
            continue
        for i, line in enumerate(lines):
            if not fast_ok(line):
                error = best_match(_validator(kind).iter_errors(line))
                if error is not None:
                    return _to_problem_error(error, [key, i])
    return None


def _to_problem_error(error: Any, prefix: list[Any]) -> ProblemError:
    from jsonschema.exceptions import best_match

    # For anyOf branches, descend to the most relevant sub-error.
    while error.context:
        deeper = best_match(error.context)
        if deeper is None:
            break
        error = deeper
    where = [*prefix, *error.absolute_path]
    path = format_path(where)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return ProblemError(format_path([*where, missing]), "required field is missing")
    if error.validator == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            expected = " or ".join(expected)
        return ProblemError(path, f"expected {expected}, got {_describe(error.instance)}")
    if error.validator == "minimum":
        return ProblemError(path, f"must be >= {error.validator_value}, got {_describe(error.instance)}")
    if error.validator == "exclusiveMinimum":
        return ProblemError(path, f"must be > {error.validator_value}, got {_describe(error.instance)}")
    if error.validator == "maximum":
        return ProblemError(path, f"must be <= {error.validator_value}, got {_describe(error.instance)}")
    if error.validator == "const":
        return ProblemError(path, f"must be {error.validator_value!r}, got {_describe(error.instance)}")
    if error.validator == "minItems":
        return ProblemError(path, f"needs at least {error.validator_value} item(s)")
    if error.validator == "uniqueItems":
        return ProblemError(path, "values must be unique")
    if error.validator == "minLength":
        return ProblemError(path, "must not be empty")
    return ProblemError(path, error.message)


@cache
def _validator(kind: str) -> Any:
    """A validator for the whole document (``"$"``) or for one ``$defs`` entry."""
    from jsonschema import Draft202012Validator

    schema = problem_schema()
    if kind != "$":
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}
    return Draft202012Validator(schema)


def _known_fields() -> dict[str, set[str]]:
    defs = problem_schema()["$defs"]
    known = {name: set(d.get("properties", {})) for name, d in defs.items() if "properties" in d}
    known["$"] = set(problem_schema()["properties"]) | {"description", "meta"}
    known["subcontract"] = {"cost", "capacity"}
    return known


def unknown_field_warnings(doc: dict[str, Any]) -> list[str]:
    """Fields the contract does not define (ignored by the engine)."""
    known = _known_fields()
    warnings: list[str] = []

    def check(obj: Any, kind: str, path: list[Any]) -> None:
        if not isinstance(obj, dict):
            return
        for key in obj:
            if key not in known[kind] and not str(key).startswith("x-"):
                warnings.append(f"unknown field {format_path([*path, key])} ignored")

    check(doc, "$", [])
    lists = {
        "families": "family",
        "channels": "channel",
        "demand": "demandLine",
        "resources": "resource",
        "routings": "routing",
        "components": "component",
        "bom": "bomLine",
    }
    for key, kind in lists.items():
        for i, item in enumerate(doc.get(key) or []):
            check(item, kind, [key, i])
            if kind == "family" and isinstance(item.get("subcontract"), dict):
                check(item["subcontract"], "subcontract", [key, i, "subcontract"])
            if kind == "demandLine":
                for j, opt in enumerate(item.get("price_options") or []):
                    check(opt, "priceOption", [key, i, "price_options", j])
            if kind == "resource":
                for sub, subkind in (("workforce", "workforce"), ("overtime", "overtime")):
                    check(item.get(sub), subkind, [key, i, sub])
            if kind == "component":
                for j, opt in enumerate(item.get("supply_options") or []):
                    check(opt, "supplyOption", [key, i, "supply_options", j])
    check(doc.get("policies"), "policies", ["policies"])
    return warnings


def _non_finite_path(obj: Any, path: list[Any]) -> list[Any] | None:
    if isinstance(obj, float) and not math.isfinite(obj):
        return path
    if isinstance(obj, dict):
        for k, v in obj.items():
            found = _non_finite_path(v, [*path, k])
            if found is not None:
                return found
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found = _non_finite_path(v, [*path, i])
            if found is not None:
                return found
    return None


def validate(doc: Any) -> list[str]:
    """Validate a problem document; raise :class:`ProblemError` or return warnings."""
    if not isinstance(doc, dict):
        raise ProblemError("$", f"the problem document must be a JSON object, got {type(doc).__name__}")
    bad = _non_finite_path(doc, [])
    if bad is not None:
        raise ProblemError(format_path(bad), "must be a finite number (NaN and Infinity are not allowed)")
    error = _schema_error(doc)
    if error is not None:
        raise error
    from .checks import semantic_checks

    semantic_checks(doc)
    return unknown_field_warnings(doc)
