"""Semantic checks of a problem document that the JSON Schema cannot express.

Runs after the structural schema check, so types and ranges are known good.
Each failure raises :class:`~optimizer.engine.schema.ProblemError` with the
JSON path of the field and a reason in plain words.
"""

from __future__ import annotations

from typing import Any

from .schema import ProblemError, format_path

DEFAULT_CHANNEL = "default"


def _unique_codes(items: list[dict[str, Any]], path: list[Any]) -> set[str]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        code = item["code"]
        if code in seen:
            raise ProblemError(
                format_path([*path, i, "code"]),
                f"duplicate code {code!r} (also at {format_path([*path, seen[code]])})",
            )
        seen[code] = i
    return set(seen)


def _per_period(value: Any, n_periods: int, path: list[Any]) -> None:
    if isinstance(value, list) and len(value) != n_periods:
        raise ProblemError(
            format_path(path),
            f"list has {len(value)} values, expected {n_periods} (one per period) or a scalar",
        )


def _ref(value: str, known: set[str], path: list[Any], what: str) -> None:
    if value not in known:
        raise ProblemError(format_path(path), f"unknown {what} {value!r}")


def semantic_checks(doc: dict[str, Any]) -> None:
    """Raise ProblemError on the first semantic problem found."""
    periods = doc["periods"]
    n = len(periods)
    period_set = set(periods)
    families = doc["families"]
    fam_codes = _unique_codes(families, ["families"])
    channels = doc.get("channels") or [{"code": DEFAULT_CHANNEL}]
    ch_codes = _unique_codes(channels, ["channels"])
    resources = doc.get("resources") or []
    res_codes = _unique_codes(resources, ["resources"])
    components = doc.get("components") or []
    comp_codes = _unique_codes(components, ["components"])

    backlog_channels = set()
    for i, ch in enumerate(channels):
        backlog_cost = ch.get("backlog_cost")
        lost_cost = ch.get("lost_sale_cost", 0)
        if backlog_cost is None and lost_cost is None:
            raise ProblemError(
                format_path(["channels", i, "lost_sale_cost"]),
                "null (sales may not be lost) is only valid where backlog is allowed, but backlog_cost is null",
            )
        if backlog_cost is not None:
            backlog_channels.add(ch["code"])
        if backlog_cost is None and ch.get("max_ending_backlog") is not None:
            pass  # harmless: the channel never carries backlog

    for i, fam in enumerate(families):
        base = ["families", i]
        for key in ("price", "max_production", "safety_stock"):
            _per_period(fam.get(key), n, [*base, key])
        sub = fam.get("subcontract")
        if isinstance(sub, dict):
            _per_period(sub.get("capacity"), n, [*base, "subcontract", "capacity"])
        for ch_code in fam.get("initial_backlog") or {}:
            _ref(ch_code, ch_codes, [*base, "initial_backlog", ch_code], "channel")

    several = len(channels) > 1
    for i, line in enumerate(doc.get("demand") or []):
        base = ["demand", i]
        _ref(line["family"], fam_codes, [*base, "family"], "family")
        if "channel" in line:
            _ref(line["channel"], ch_codes, [*base, "channel"], "channel")
        elif several:
            raise ProblemError(
                format_path([*base, "channel"]), "required when the problem has several channels"
            )
        if line["period"] not in period_set:
            raise ProblemError(format_path([*base, "period"]), f"unknown period {line['period']!r}")
        options = line.get("price_options")
        if options is not None:
            for key in ("quantity", "price"):
                if line.get(key) is not None:
                    raise ProblemError(
                        format_path([*base, key]), "give either quantity/price or price_options, not both"
                    )
            channel = line.get("channel", next(iter(ch_codes)) if not several else None)
            if channel in backlog_channels:
                raise ProblemError(
                    format_path([*base, "price_options"]),
                    f"price options are only allowed on channels without backlog; channel {channel!r} takes backlog",
                )
        elif "quantity" not in line:
            raise ProblemError(
                format_path([*base, "quantity"]), "required field is missing (or give price_options)"
            )

    for i, res in enumerate(resources):
        base = ["resources", i]
        workforce = res.get("workforce")
        capacity = res.get("capacity")
        if workforce is None and capacity is None:
            raise ProblemError(
                format_path([*base, "capacity"]), "required unless the resource has a workforce"
            )
        if workforce is not None and capacity is not None:
            raise ProblemError(
                format_path([*base, "capacity"]),
                "give either capacity (fixed hours) or workforce (hours_per_worker x workers), not both",
            )
        _per_period(capacity, n, [*base, "capacity"])
        if workforce is not None:
            for key in ("min", "max"):
                _per_period(workforce.get(key), n, [*base, "workforce", key])
        overtime = res.get("overtime")
        if overtime is not None:
            _per_period(overtime.get("max_hours"), n, [*base, "overtime", "max_hours"])
            if overtime.get("max_hours_per_worker") is not None and workforce is None:
                raise ProblemError(
                    format_path([*base, "overtime", "max_hours_per_worker"]),
                    "only valid on a resource with a workforce",
                )

    for i, rt in enumerate(doc.get("routings") or []):
        _ref(rt["family"], fam_codes, ["routings", i, "family"], "family")
        _ref(rt["resource"], res_codes, ["routings", i, "resource"], "resource")

    for i, comp in enumerate(components):
        base = ["components", i]
        _per_period(comp.get("scheduled_receipts"), n, [*base, "scheduled_receipts"])
        _unique_codes(comp["supply_options"], [*base, "supply_options"])
        for j, opt in enumerate(comp["supply_options"]):
            obase = [*base, "supply_options", j]
            _per_period(opt.get("price"), n, [*obase, "price"])
            _per_period(opt.get("capacity"), n, [*obase, "capacity"])

    for i, line in enumerate(doc.get("bom") or []):
        _ref(line["family"], fam_codes, ["bom", i, "family"], "family")
        _ref(line["component"], comp_codes, ["bom", i, "component"], "component")

    policies = doc.get("policies") or {}
    _per_period(policies.get("working_capital_limit"), n, ["policies", "working_capital_limit"])
