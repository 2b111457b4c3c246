"""The catalog's lists: which model, columns (in the import format, so an export re-imports),
filters and related lists on the detail page. One entry per list page."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from catalog import filtersets as f
from catalog import models as m


def _code(attr: str) -> Callable:
    def get(obj):
        target = obj
        for part in attr.split("."):
            target = getattr(target, part, None)
            if target is None:
                return None
        return target

    return get


def _month(attr: str) -> Callable:
    return lambda obj: getattr(obj, attr).strftime("%Y-%m") if getattr(obj, attr) else None


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    model: type
    filterset: type
    columns: tuple[tuple[str, Callable], ...]
    kind: str  # the import kind of the same format
    related: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    link_column: str = "code"
    extra: dict = field(default_factory=dict)


def _fields(*names: str) -> tuple[tuple[str, Callable], ...]:
    return tuple((n, _code(n)) for n in names)


TABLES: dict[str, Table] = {}


def _add(table: Table) -> None:
    TABLES[table.slug] = table


_add(Table("families", "Product families", m.ProductFamily, f.FamilyFilter, _fields(
    "code", "name", "group", "list_price", "material_cost", "holding_cost", "unit_value", "min_ending_inventory",
    "max_production", "subcontract_cost", "subcontract_capacity", "safety_stock", "safety_stock_shortfall_cost", "active",
), "families", related=("skus", "routings", "bom", "prices", "budget")))
_add(Table("skus", "SKUs", m.Sku, f.SkuFilter, (*_fields("code", "name"), ("family", _code("family.code")), *_fields("active")),
           "skus", select=("family",)))
_add(Table("channels", "Channels", m.Channel, f.ChannelFilter, _fields(
    "code", "name", "priority", "price_factor", "target_margin", "min_fill_rate", "backlog_cost", "lost_sale_cost",
    "max_ending_backlog", "price_shapeable", "price_elasticity",
), "channels"))
_add(Table("resources", "Resources", m.Resource, f.ResourceFilter, _fields(
    "code", "name", "kind", "capacity_hours", "regular_cost_per_hour", "workforce_initial", "hours_per_worker",
    "cost_per_worker", "hire_cost", "layoff_cost", "workforce_min", "workforce_max", "workforce_integer",
    "overtime_cost_per_hour", "overtime_max_hours", "overtime_max_hours_per_worker",
), "resources", related=("routings",)))
_add(Table("routings", "Routings", m.Routing, f.RoutingFilter, (
    ("family", _code("family.code")), ("resource", _code("resource.code")), ("hours_per_unit", _code("hours_per_unit")),
), "routings", select=("family", "resource"), link_column=""))
_add(Table("components", "Components", m.Component, f.ComponentFilter, _fields("code", "name", "holding_cost", "standard_value"),
           "components", related=("supply_options", "bom")))
_add(Table("supply-options", "Supply options", m.SupplyOption, f.SupplyOptionFilter, (
    ("component", _code("component.code")), *_fields("code", "kind", "supplier", "sequence", "price", "lead_time",
                                                     "capacity", "moq", "order_cost"),
), "supply_options", select=("component",), related=("prices",)))
_add(Table("option-prices", "Supply option price changes", m.SupplyOptionPrice, f.OptionPriceFilter, (
    ("component", _code("option.component.code")), ("option", _code("option.code")),
    ("effective_from", _month("effective_from")), ("price", _code("price")),
), "option_prices", select=("option", "option__component"), link_column=""))
_add(Table("family-prices", "Family list-price changes", m.FamilyPrice, f.FamilyPriceFilter, (
    ("family", _code("family.code")), ("effective_from", _month("effective_from")), ("price", _code("price")),
), "family_prices", select=("family",), link_column=""))
_add(Table("bom", "Bill of materials", m.BomLine, f.BomFilter, (
    ("family", _code("family.code")), ("component", _code("component.code")), ("quantity_per_unit", _code("quantity_per_unit")),
), "bom", select=("family", "component"), link_column=""))
_add(Table("budget", "Budget (AOP)", m.BudgetLine, f.BudgetFilter, (
    ("family", _code("family.code")), ("period", _month("month")), *_fields("units", "revenue", "margin", "inventory_value"),
), "budget", select=("family",), link_column=""))
