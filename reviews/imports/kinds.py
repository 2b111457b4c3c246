"""What each import kind is: its columns, types, key, scope and whether it needs a cycle.

docs/import-formats.md documents the same table for people; tests/reviews check that every
kind has a sample file under docs/samples/ that imports cleanly.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # code | text | ref | decimal | integer | bool | period | date | choice | share | signed
    required: bool = False
    ref: str = ""  # family | sku | channel | resource | component | option
    choices: tuple[str, ...] = ()
    max_length: int = 120
    help: str = ""

    @property
    def is_number(self) -> bool:
        return self.type in ("decimal", "integer", "share", "signed")


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    group: str  # master | history | snapshot
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    scope: str  # how a re-upload replaces earlier rows, in words
    one_of: tuple[tuple[str, ...], ...] = ()
    cycle: str = "none"  # none | optional | required
    model: str = ""
    help: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    @property
    def is_actuals(self) -> bool:
        return self.group in ("history", "snapshot")


def C(name, type="decimal", required=False, **kw) -> Col:  # noqa: N802 - a table-like spelling
    return Col(name=name, type=type, required=required, **kw)


CODE = C("code", "code", True, help="Unique code")
NAME = C("name", "text", True, help="Display name")

KINDS: dict[str, Kind] = {}


def _add(kind: Kind) -> None:
    KINDS[kind.name] = kind


_add(Kind("families", "Product families", "master", (
    CODE, NAME, C("group", "text", help="Family group (demand grid grouping)"),
    C("list_price"), C("material_cost"), C("holding_cost"), C("unit_value"), C("min_ending_inventory"),
    C("max_production"), C("subcontract_cost"), C("subcontract_capacity"), C("safety_stock"),
    C("safety_stock_shortfall_cost"), C("active", "bool"),
), key=("code",), scope="none: rows are added or updated by code, never removed", model="catalog.ProductFamily"))

_add(Kind("skus", "SKUs", "master", (
    CODE, NAME, C("family", "ref", ref="family", help="Family code; blank: not yet assigned (a data-quality finding)"),
    C("active", "bool"),
), key=("code",), scope="none: added or updated by code", model="catalog.Sku"))

_add(Kind("channels", "Channels", "master", (
    CODE, NAME, C("priority", "integer"), C("price_factor"), C("target_margin", "share"), C("min_fill_rate", "share"),
    C("backlog_cost"), C("lost_sale_cost"), C("max_ending_backlog"), C("price_shapeable", "bool"),
    C("price_elasticity", "signed"),
), key=("code",), scope="none: added or updated by code", model="catalog.Channel"))

_add(Kind("resources", "Resources", "master", (
    CODE, NAME, C("kind", "choice", choices=("capacity", "workforce")), C("capacity_hours"), C("regular_cost_per_hour"),
    C("workforce_initial"), C("hours_per_worker"), C("cost_per_worker"), C("hire_cost"), C("layoff_cost"),
    C("workforce_min"), C("workforce_max"), C("workforce_integer", "bool"), C("overtime_cost_per_hour"),
    C("overtime_max_hours"), C("overtime_max_hours_per_worker"),
), key=("code",), scope="none: added or updated by code", model="catalog.Resource"))

_add(Kind("routings", "Routings", "master", (
    C("family", "ref", True, ref="family"), C("resource", "ref", True, ref="resource"), C("hours_per_unit", required=True),
), key=("family", "resource"), scope="the families in the file: their routings are replaced as a whole", model="catalog.Routing"))

_add(Kind("components", "Components", "master", (
    CODE, NAME, C("holding_cost"), C("standard_value"),
), key=("code",), scope="none: added or updated by code", model="catalog.Component"))

_add(Kind("supply_options", "Supply options", "master", (
    C("component", "ref", True, ref="component"), C("code", "code", True), C("kind", "choice", True, choices=("contract", "spot", "expedite")),
    C("supplier", "text"), C("sequence", "integer"), C("price", required=True), C("lead_time", "integer"),
    C("capacity"), C("moq"), C("order_cost"),
), key=("component", "code"), scope="none: added or updated by component and code", model="catalog.SupplyOption"))

_add(Kind("option_prices", "Supply option price changes", "master", (
    C("component", "ref", True, ref="component"), C("option", "ref", True, ref="option"),
    C("effective_from", "period", True), C("price", required=True),
), key=("component", "option", "effective_from"), scope="the supply options in the file: their price changes are replaced", model="catalog.SupplyOptionPrice"))

_add(Kind("family_prices", "Family list-price changes", "master", (
    C("family", "ref", True, ref="family"), C("effective_from", "period", True), C("price", required=True),
), key=("family", "effective_from"), scope="the families in the file: their price changes are replaced", model="catalog.FamilyPrice"))

_add(Kind("bom", "Bill of materials", "master", (
    C("family", "ref", True, ref="family"), C("component", "ref", True, ref="component"), C("quantity_per_unit", required=True),
), key=("family", "component"), scope="the families in the file: their BOM lines are replaced as a whole", model="catalog.BomLine"))

_add(Kind("budget", "Budget (AOP)", "master", (
    C("family", "ref", True, ref="family"), C("period", "period", True), C("units", required=True),
    C("revenue", "signed", True), C("margin", "signed", True), C("inventory_value", "signed"),
), key=("family", "period"), scope="the months in the file: every budget line of those months is replaced", model="catalog.BudgetLine"))

_FLOW = (
    C("family", "ref", ref="family"), C("sku", "ref", ref="sku"), C("channel", "ref", True, ref="channel"),
    C("period", "period"), C("date", "date"), C("quantity", required=True), C("revenue"),
)
_add(Kind("shipments", "Shipments", "history", _FLOW, key=("family", "sku", "channel", "period", "date"),
          one_of=(("family", "sku"), ("period", "date")), cycle="optional",
          scope="each month x family x channel in the file: its earlier shipments are replaced", model="reviews.Shipment"))
_add(Kind("bookings", "Bookings", "history", _FLOW, key=("family", "sku", "channel", "period", "date"),
          one_of=(("family", "sku"), ("period", "date")), cycle="optional",
          scope="each month x family x channel in the file: its earlier bookings are replaced", model="reviews.Booking"))
_add(Kind("financials", "Financial actuals", "history", (
    C("family", "ref", True, ref="family"), C("channel", "ref", ref="channel"), C("period", "period", True),
    C("revenue", "signed", True), C("cogs", "signed"), C("margin", "signed"),
), key=("family", "channel", "period"), cycle="optional",
    scope="each month x family x channel in the file: its earlier financial rows are replaced", model="reviews.FinancialActual"))
_add(Kind("inventory", "Inventory on hand", "snapshot", (
    C("family", "ref", True, ref="family"), C("period", "period", True), C("on_hand", required=True), C("receipts"), C("value"),
), key=("family", "period"), cycle="required",
    scope="the cycle and the months in the file", model="reviews.InventoryActual"))
_add(Kind("open_orders", "Open orders (backlog)", "snapshot", (
    C("family", "ref", True, ref="family"), C("channel", "ref", True, ref="channel"), C("period", "period"),
    C("quantity", required=True), C("value"),
), key=("family", "channel", "period"), cycle="required",
    scope="the cycle: its open orders are replaced as a whole", model="reviews.OpenOrder"))
_add(Kind("capacity", "Capacity for the horizon", "snapshot", (
    C("resource", "ref", True, ref="resource"), C("period", "period", True), C("hours"), C("workers"),
), key=("resource", "period"), cycle="required",
    scope="the cycle and the months in the file", model="reviews.CapacityActual"))
_add(Kind("component_supply", "Component on hand and receipts", "snapshot", (
    C("component", "ref", True, ref="component"), C("period", "period", True), C("on_hand"), C("receipts"),
), key=("component", "period"), cycle="required",
    scope="the cycle: its component supply is replaced as a whole", model="reviews.ComponentSupply"))

MASTER_KINDS = tuple(k for k, v in KINDS.items() if v.group == "master")
ACTUAL_KINDS = tuple(k for k, v in KINDS.items() if v.group != "master")


def get(name: str) -> Kind:
    from sop.errors import NotFoundError

    try:
        return KINDS[name]
    except KeyError:
        raise NotFoundError(f"Unknown import kind {name!r}; expected one of {', '.join(KINDS)}.", {"kind": name}) from None
