"""Scenario levers: pure functions on a problem document (no Django, no database).

A scenario is a base problem document plus an ordered list of levers. Each lever is a small
JSON object with a ``type``; :func:`check_levers` validates their shape and
:func:`apply_levers` returns a new document with the levers applied in order (the base
document is never modified). Errors are :class:`LeverError` naming the path of the field,
e.g. ``levers[1].families[0]: no family 'FPGA-X' in the problem``.

Lever types (months are period labels of the problem, ``from``/``to`` inclusive, both
optional: missing means from the first / to the last period):

``demand_change``     ``percent`` (>= -100) on the demand of ``families`` x ``channels``
                      (empty list: all) in the months; price-option quantities too.
``capacity_change``   ``percent`` and/or ``hours`` (added per month) on a fixed-capacity
                      ``resource`` in the months (never below 0).
``supplier_failure``  the supply option ``option`` of ``component`` delivers nothing: its
                      capacity is 0 for orders placed in the months.
``price_change``      ``percent`` (>= -100) on the price of ``families`` x ``channels`` in the
                      months: demand lines (and price options) get the new price; where a
                      channel takes backlog and has no line in a month, a zero-quantity line
                      carries the price, so backlog shipped then is priced too.
``new_resource``      a resource ``code`` with ``capacity`` hours per month (0 before ``from``),
                      ``regular_cost_per_hour``, optional ``overtime``, and ``routings``
                      ``[{family, hours_per_unit}]``; ``takes_over_from`` (optional) removes
                      those families' routings on that resource (a new line that takes the
                      work over rather than adding a step).
``policy_change``     any of ``working_capital_limit`` (number, or null to remove the limit),
                      ``infeasibility_penalty``, ``min_fill_rate`` ``{channel: 0..1}``,
                      ``safety_stock`` ``{family: units}``, ``safety_stock_shortfall_cost``
                      ``{family: cost or null}``, ``backlog_cost`` / ``lost_sale_cost``
                      ``{channel: cost or null}``.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

LEVER_TYPES: dict[str, str] = {
    "demand_change": "Demand change",
    "capacity_change": "Capacity change",
    "supplier_failure": "Supplier failure",
    "price_change": "Price change",
    "new_resource": "New resource",
    "policy_change": "Policy change",
}

MAX_LEVERS = 50
POLICY_KEYS = (
    "working_capital_limit", "infeasibility_penalty", "min_fill_rate", "safety_stock",
    "safety_stock_shortfall_cost", "backlog_cost", "lost_sale_cost",
)


class LeverError(ValueError):
    """A lever that is malformed or names something the problem does not have."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


# --- shape checks ------------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(lever: dict, key: str, path: str, *, required: bool = False, minimum: float | None = None,
            maximum: float | None = None, nullable: bool = False) -> float | None:
    if key not in lever or (lever[key] is None and not nullable):
        if required:
            raise LeverError(f"{path}.{key}", "required")
        return None
    value = lever[key]
    if value is None:
        return None
    if not _is_number(value):
        raise LeverError(f"{path}.{key}", f"expected a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise LeverError(f"{path}.{key}", f"must be >= {minimum:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise LeverError(f"{path}.{key}", f"must be <= {maximum:g}, got {value:g}")
    return float(value)


def _code(lever: dict, key: str, path: str, *, required: bool = True) -> str | None:
    value = lever.get(key)
    if value in (None, ""):
        if required:
            raise LeverError(f"{path}.{key}", "required")
        return None
    if not isinstance(value, str):
        raise LeverError(f"{path}.{key}", f"expected a code (text), got {value!r}")
    return value


def _codes(lever: dict, key: str, path: str) -> list[str]:
    value = lever.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise LeverError(f"{path}.{key}", "expected a list of codes (empty: all)")
    return list(value)


def _month(lever: dict, key: str, path: str) -> str | None:
    value = lever.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise LeverError(f"{path}.{key}", f"expected a period label, got {value!r}")
    return value


def _mapping(lever: dict, key: str, path: str, *, minimum: float = 0, maximum: float | None = None,
             nullable: bool = False) -> dict[str, float | None] | None:
    if key not in lever:
        return None
    value = lever[key]
    if not isinstance(value, dict):
        raise LeverError(f"{path}.{key}", "expected an object {code: number}")
    out: dict[str, float | None] = {}
    for code in value:
        out[code] = _number(value, code, f"{path}.{key}", required=not nullable, minimum=minimum,
                            maximum=maximum, nullable=nullable)
    return out


def check_lever(lever: Any, index: int) -> dict[str, Any]:
    """One lever, checked and normalised (unknown keys dropped, numbers as floats)."""
    path = f"levers[{index}]"
    if not isinstance(lever, dict):
        raise LeverError(path, "expected an object with a 'type'")
    kind = lever.get("type")
    if kind not in LEVER_TYPES:
        raise LeverError(f"{path}.type", f"unknown lever type {kind!r}; expected one of {', '.join(LEVER_TYPES)}")
    out: dict[str, Any] = {"type": kind}
    if lever.get("label"):
        out["label"] = str(lever["label"])[:200]
    if kind in ("demand_change", "price_change", "capacity_change", "supplier_failure", "new_resource"):
        out["from"] = _month(lever, "from", path)
        out["to"] = _month(lever, "to", path)
    if kind in ("demand_change", "price_change"):
        out["percent"] = _number(lever, "percent", path, required=True, minimum=-100, maximum=10000)
        out["families"] = _codes(lever, "families", path)
        out["channels"] = _codes(lever, "channels", path)
    elif kind == "capacity_change":
        out["resource"] = _code(lever, "resource", path)
        out["percent"] = _number(lever, "percent", path, minimum=-100, maximum=10000)
        out["hours"] = _number(lever, "hours", path)
        if out["percent"] is None and out["hours"] is None:
            raise LeverError(f"{path}.percent", "give a percent or hours (or both)")
    elif kind == "supplier_failure":
        out["component"] = _code(lever, "component", path)
        out["option"] = _code(lever, "option", path)
    elif kind == "new_resource":
        out["code"] = _code(lever, "code", path)
        out["capacity"] = _number(lever, "capacity", path, required=True, minimum=0)
        out["regular_cost_per_hour"] = _number(lever, "regular_cost_per_hour", path, minimum=0) or 0.0
        overtime = lever.get("overtime")
        if overtime is not None:
            if not isinstance(overtime, dict):
                raise LeverError(f"{path}.overtime", "expected an object {cost_per_hour, max_hours}")
            out["overtime"] = {
                "cost_per_hour": _number(overtime, "cost_per_hour", f"{path}.overtime", required=True, minimum=0),
                "max_hours": _number(overtime, "max_hours", f"{path}.overtime", minimum=0),
            }
        routings = lever.get("routings")
        if not isinstance(routings, list) or not routings:
            raise LeverError(f"{path}.routings", "needs at least one {family, hours_per_unit}")
        out["routings"] = []
        for j, rt in enumerate(routings):
            rpath = f"{path}.routings[{j}]"
            if not isinstance(rt, dict):
                raise LeverError(rpath, "expected an object {family, hours_per_unit}")
            out["routings"].append({
                "family": _code(rt, "family", rpath),
                "hours_per_unit": _number(rt, "hours_per_unit", rpath, required=True, minimum=0),
            })
        out["takes_over_from"] = _code(lever, "takes_over_from", path, required=False)
    elif kind == "policy_change":
        if "working_capital_limit" in lever:
            out["working_capital_limit"] = _number(lever, "working_capital_limit", path, minimum=0, nullable=True)
        if lever.get("infeasibility_penalty") is not None:
            out["infeasibility_penalty"] = _number(lever, "infeasibility_penalty", path, minimum=0)
        for key, kw in (
            ("min_fill_rate", {"maximum": 1}),
            ("safety_stock", {}),
            ("safety_stock_shortfall_cost", {"nullable": True}),
            ("backlog_cost", {"nullable": True}),
            ("lost_sale_cost", {"nullable": True}),
        ):
            mapping = _mapping(lever, key, path, **kw)
            if mapping is not None:
                out[key] = mapping
        if not any(key in out for key in POLICY_KEYS):
            raise LeverError(path, f"a policy change needs at least one of {', '.join(POLICY_KEYS)}")
    return out


def check_levers(levers: Any) -> list[dict[str, Any]]:
    """The scenario's lever list, checked and normalised; raises LeverError."""
    if levers in (None, ""):
        return []
    if not isinstance(levers, list):
        raise LeverError("levers", "expected a list of levers")
    if len(levers) > MAX_LEVERS:
        raise LeverError("levers", f"at most {MAX_LEVERS} levers per scenario, got {len(levers)}")
    return [check_lever(lever, i) for i, lever in enumerate(levers)]


# --- application -------------------------------------------------------------------------------

def _months(doc: dict, lever: dict, path: str) -> list[int]:
    periods = doc["periods"]
    start, end = 0, len(periods) - 1
    for key in ("from", "to"):
        label = lever.get(key)
        if label is None:
            continue
        if label not in periods:
            raise LeverError(f"{path}.{key}", f"no period {label!r} in the problem ({periods[0]}..{periods[-1]})")
        if key == "from":
            start = periods.index(label)
        else:
            end = periods.index(label)
    if end < start:
        raise LeverError(f"{path}.to", f"{lever['to']} is before {lever['from']}")
    return list(range(start, end + 1))


def _per_period(value: Any, n: int, default: Any) -> list:
    if isinstance(value, list):
        return list(value)
    return [default if value is None else value] * n


def _check_refs(codes: Iterable[str], known: set[str], path: str, key: str, what: str) -> None:
    for j, code in enumerate(codes):
        if code not in known:
            raise LeverError(f"{path}.{key}[{j}]", f"no {what} {code!r} in the problem")


def _channel_codes(doc: dict) -> list[str]:
    return [c["code"] for c in doc.get("channels") or [{"code": "default"}]]


def _index(items: list[dict], code: str, path: str, what: str) -> dict:
    for item in items:
        if item.get("code") == code:
            return item
    raise LeverError(path, f"no {what} {code!r} in the problem")


def _line_channel(doc: dict, line: dict) -> str:
    return line.get("channel") or _channel_codes(doc)[0]


def _selection(doc: dict, lever: dict, path: str) -> tuple[set[str], set[str], set[str]]:
    fams = {f["code"] for f in doc["families"]}
    chans = set(_channel_codes(doc))
    _check_refs(lever["families"], fams, path, "families", "family")
    _check_refs(lever["channels"], chans, path, "channels", "channel")
    months = {doc["periods"][t] for t in _months(doc, lever, path)}
    return set(lever["families"]) or fams, set(lever["channels"]) or chans, months


def _round(x: float) -> float:
    return float(round(x, 6))


def _demand_change(doc: dict, lever: dict, path: str) -> None:
    fams, chans, months = _selection(doc, lever, path)
    factor = 1 + lever["percent"] / 100
    for line in doc.get("demand") or []:
        if line["family"] in fams and _line_channel(doc, line) in chans and line["period"] in months:
            if line.get("price_options") is not None:
                for opt in line["price_options"]:
                    opt["quantity"] = _round(opt["quantity"] * factor)
            else:
                line["quantity"] = _round(line.get("quantity", 0) * factor)


def _price_change(doc: dict, lever: dict, path: str) -> None:
    fams, chans, months = _selection(doc, lever, path)
    factor = 1 + lever["percent"] / 100
    periods = doc["periods"]
    list_price = {f["code"]: _per_period(f.get("price"), len(periods), 0) for f in doc["families"]}
    seen: set[tuple[str, str, str]] = set()
    demand = doc.setdefault("demand", [])
    for line in demand:
        channel = _line_channel(doc, line)
        if line["family"] in fams and channel in chans and line["period"] in months:
            seen.add((line["family"], channel, line["period"]))
            if line.get("price_options") is not None:
                for opt in line["price_options"]:
                    opt["price"] = _round(opt["price"] * factor)
            else:
                base = line.get("price")
                if base is None:
                    base = list_price[line["family"]][periods.index(line["period"])]
                line["price"] = _round(base * factor)
    # Backlog shipped in a month without a demand line is priced at the family's list price:
    # a zero-quantity line carries the new price there (channels with backlog only; price
    # options are never on those).
    backlog_channels = {c["code"] for c in doc.get("channels") or [] if c.get("backlog_cost") is not None}
    several = len(_channel_codes(doc)) > 1
    for family in sorted(fams):
        for channel in sorted(chans & backlog_channels):
            for t, period in enumerate(periods):
                if period in months and (family, channel, period) not in seen:
                    extra = {"family": family, "period": period, "quantity": 0,
                             "price": _round(list_price[family][t] * factor)}
                    if several or doc.get("channels"):
                        extra["channel"] = channel
                    demand.append(extra)


def _capacity_change(doc: dict, lever: dict, path: str) -> None:
    resource = _index(doc.get("resources") or [], lever["resource"], f"{path}.resource", "resource")
    if resource.get("capacity") is None:
        raise LeverError(
            f"{path}.resource",
            f"{lever['resource']} is a workforce resource; change its workforce in the base data or add a new resource",
        )
    n = len(doc["periods"])
    capacity = _per_period(resource["capacity"], n, 0)
    factor = 1 + (lever["percent"] or 0) / 100
    hours = lever["hours"] or 0
    for t in _months(doc, lever, path):
        capacity[t] = _round(max(0.0, capacity[t] * factor + hours))
    resource["capacity"] = capacity


def _supplier_failure(doc: dict, lever: dict, path: str) -> None:
    component = _index(doc.get("components") or [], lever["component"], f"{path}.component", "component")
    option = _index(component.get("supply_options") or [], lever["option"], f"{path}.option",
                    f"supply option of {lever['component']}")
    n = len(doc["periods"])
    capacity = _per_period(option.get("capacity"), n, None)
    for t in _months(doc, lever, path):
        capacity[t] = 0
    option["capacity"] = capacity


def _new_resource(doc: dict, lever: dict, path: str) -> None:
    resources = doc.setdefault("resources", [])
    if any(r.get("code") == lever["code"] for r in resources):
        raise LeverError(f"{path}.code", f"the problem already has a resource {lever['code']!r}")
    fams = {f["code"] for f in doc["families"]}
    for j, rt in enumerate(lever["routings"]):
        if rt["family"] not in fams:
            raise LeverError(f"{path}.routings[{j}].family", f"no family {rt['family']!r} in the problem")
    n = len(doc["periods"])
    months = set(_months(doc, {"from": lever.get("from"), "to": lever.get("to")}, path))
    resource: dict[str, Any] = {
        "code": lever["code"],
        "capacity": [lever["capacity"] if t in months else 0 for t in range(n)],
        "regular_cost_per_hour": lever["regular_cost_per_hour"],
    }
    if lever.get("overtime"):
        overtime = {"cost_per_hour": lever["overtime"]["cost_per_hour"]}
        if lever["overtime"].get("max_hours") is not None:
            overtime["max_hours"] = [lever["overtime"]["max_hours"] if t in months else 0 for t in range(n)]
        resource["overtime"] = overtime
    routings = doc.setdefault("routings", [])
    old = lever.get("takes_over_from")
    if old:
        _index(resources, old, f"{path}.takes_over_from", "resource")
        moved = {rt["family"] for rt in lever["routings"]}
        routings[:] = [rt for rt in routings if not (rt["resource"] == old and rt["family"] in moved)]
    resources.append(resource)
    routings.extend({"family": rt["family"], "resource": lever["code"], "hours_per_unit": rt["hours_per_unit"]}
                    for rt in lever["routings"])


def _policy_change(doc: dict, lever: dict, path: str) -> None:
    policies = doc.setdefault("policies", {})
    if "working_capital_limit" in lever:
        policies["working_capital_limit"] = lever["working_capital_limit"]
    if "infeasibility_penalty" in lever:
        policies["infeasibility_penalty"] = lever["infeasibility_penalty"]
    families = {f["code"]: f for f in doc["families"]}
    if "channels" not in doc and any(k in lever for k in ("min_fill_rate", "backlog_cost", "lost_sale_cost")):
        doc["channels"] = [{"code": "default"}]
    channels = {c["code"]: c for c in doc.get("channels") or []}
    for key, items, what in (
        ("min_fill_rate", channels, "channel"),
        ("backlog_cost", channels, "channel"),
        ("lost_sale_cost", channels, "channel"),
        ("safety_stock", families, "family"),
        ("safety_stock_shortfall_cost", families, "family"),
    ):
        for code, value in (lever.get(key) or {}).items():
            if code not in items:
                raise LeverError(f"{path}.{key}.{code}", f"no {what} {code!r} in the problem")
            items[code][key] = value


_APPLY = {
    "demand_change": _demand_change,
    "price_change": _price_change,
    "capacity_change": _capacity_change,
    "supplier_failure": _supplier_failure,
    "new_resource": _new_resource,
    "policy_change": _policy_change,
}


def apply_levers(problem: dict[str, Any], levers: list[dict[str, Any]]) -> dict[str, Any]:
    """A new problem document: ``problem`` with ``levers`` applied in order (not modified)."""
    doc = copy.deepcopy(problem)
    for i, lever in enumerate(check_levers(levers)):
        _APPLY[lever["type"]](doc, lever, f"levers[{i}]")
    return doc


def describe(lever: dict[str, Any]) -> str:
    """One line for people: 'Demand change -20% on FPGA-A x ecommerce, 2027-03..2027-05'."""
    kind = lever.get("type")
    label = lever.get("label")
    months = ""
    if lever.get("from") or lever.get("to"):
        months = f", {lever.get('from') or 'start'}..{lever.get('to') or 'end'}"

    def scope() -> str:
        fams = ", ".join(lever.get("families") or []) or "all families"
        chans = ", ".join(lever.get("channels") or []) or "all channels"
        return f"{fams} x {chans}"

    if kind in ("demand_change", "price_change"):
        text = f"{LEVER_TYPES[kind]} {lever['percent']:+g}% on {scope()}{months}"
    elif kind == "capacity_change":
        parts = []
        if lever.get("percent") is not None:
            parts.append(f"{lever['percent']:+g}%")
        if lever.get("hours") is not None:
            parts.append(f"{lever['hours']:+g} h/month")
        text = f"Capacity of {lever['resource']} {' and '.join(parts)}{months}"
    elif kind == "supplier_failure":
        text = f"Supplier failure: {lever['component']}/{lever['option']} delivers nothing{months}"
    elif kind == "new_resource":
        fams = ", ".join(rt["family"] for rt in lever.get("routings") or [])
        text = f"New resource {lever['code']} ({lever['capacity']:g} h/month) for {fams}{months}"
        if lever.get("takes_over_from"):
            text += f", taking over from {lever['takes_over_from']}"
    elif kind == "policy_change":
        parts = []
        for key in POLICY_KEYS:
            if key in lever:
                value = lever[key]
                if isinstance(value, dict):
                    value = ", ".join(f"{k}={v if v is not None else 'none'}" for k, v in value.items())
                parts.append(f"{key.replace('_', ' ')} {value if value is not None else 'none'}")
        text = "Policy: " + "; ".join(parts)
    else:
        text = str(kind)
    return f"{label}: {text}" if label else text
