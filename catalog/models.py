"""Master data: what the company makes, sells through, makes it on and buys for it.

Numbers are Decimals (NUMERIC in the database): money per unit with 4 decimals, quantities
with 3, totals with 2, shares (0..1) with 4. The problem builder turns them into floats when
it writes the optimizer's JSON document. Field names and meanings follow
docs/problem-format.md; where a field is nullable, null means what the problem format says
("not available" or "no limit"), as each help text repeats.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"
code_validator = RegexValidator(CODE_RE, "Codes are 1-40 letters, digits, '.', '_', '/' or '-', starting with a letter or digit.")
ZERO = Decimal("0")
NON_NEGATIVE = [MinValueValidator(ZERO)]
SHARE = [MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))]


def money(**kw):
    """A per-unit amount of money (price, cost): 4 decimals."""
    return models.DecimalField(max_digits=14, decimal_places=4, validators=NON_NEGATIVE, **kw)


def qty(**kw):
    """A quantity of units or hours: 3 decimals."""
    return models.DecimalField(max_digits=14, decimal_places=3, validators=NON_NEGATIVE, **kw)


def total(**kw):
    """A total amount of money (revenue, inventory value): 2 decimals, may be negative (margin)."""
    return models.DecimalField(max_digits=16, decimal_places=2, **kw)


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


class Coded(models.Model):
    """A master-data row identified by its business code (what files and the ERP use)."""

    code = models.CharField(max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class ProductFamily(Coded):
    """The planning unit of S&OP. SKUs roll up to one family; the plan is per family."""

    group = models.CharField(max_length=60, blank=True, help_text="Family group: rows of the demand grid are grouped by it.")
    list_price = money(default=ZERO, help_text="List price per unit; per-period changes are FamilyPrice rows.")
    material_cost = money(default=ZERO, help_text="Per unit produced in-house, besides the components of its BOM.")
    holding_cost = money(default=ZERO, help_text="Per unit of ending inventory per month.")
    unit_value = money(null=True, blank=True, help_text="Inventory valuation per unit; null: material cost + BOM at standard value.")
    min_ending_inventory = qty(default=ZERO, help_text="Inventory at the end of the horizon is at least this.")
    max_production = qty(null=True, blank=True, help_text="Per-month cap on in-house production; null: none.")
    subcontract_cost = money(null=True, blank=True, help_text="All-in cost per subcontracted unit; null: subcontracting not possible.")
    subcontract_capacity = qty(null=True, blank=True, help_text="Subcontracted units per month at most; null: no limit.")
    safety_stock = qty(default=ZERO, help_text="Target ending inventory per month.")
    safety_stock_shortfall_cost = money(null=True, blank=True, help_text="Per unit-month below target; null: the target is a hard floor.")
    active = models.BooleanField(default=True)

    class Meta(Coded.Meta):
        verbose_name_plural = "product families"
        constraints = [
            models.CheckConstraint(
                condition=Q(subcontract_capacity__isnull=True) | Q(subcontract_cost__isnull=False),
                name="family_subcontract_capacity_needs_cost",
            )
        ]


class FamilyPrice(models.Model):
    """A list-price change of a family from a month on (a price schedule as rows)."""

    family = models.ForeignKey(ProductFamily, on_delete=models.CASCADE, related_name="prices")
    effective_from = models.DateField(help_text="First day of the month the price applies from.")
    price = money()

    class Meta:
        ordering = ["family__code", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["family", "effective_from"], name="one_family_price_per_month")]

    def __str__(self) -> str:
        return f"{self.family.code} from {self.effective_from:%Y-%m}: {self.price}"


class Sku(Coded):
    """A sellable item. Rolls up to one family (null until assigned: a data-quality finding)."""

    family = models.ForeignKey(ProductFamily, null=True, blank=True, on_delete=models.PROTECT, related_name="skus")
    active = models.BooleanField(default=True)

    class Meta(Coded.Meta):
        verbose_name = "SKU"


class Channel(Coded):
    """A route to market with its own economics and service promise."""

    priority = models.PositiveSmallIntegerField(default=1, help_text="1 = served first when supply is short (for display and tie-breaks).")
    price_factor = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("1"), validators=NON_NEGATIVE,
                                       help_text="Price paid vs the family's list price (1.0 = list).")
    target_margin = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True, validators=SHARE,
                                        help_text="Expected gross margin share, e.g. 0.52 (informational).")
    min_fill_rate = models.DecimalField(max_digits=5, decimal_places=4, default=ZERO, validators=SHARE,
                                        help_text="OTIF floor: share of demand shipped in its own month (0..1).")
    backlog_cost = money(null=True, blank=True, help_text="Per unit of backlog per month; null: no backlog, unshipped demand is lost.")
    lost_sale_cost = money(null=True, blank=True, default=ZERO, help_text="Per unit lost on top of lost revenue; null: sales may not be lost.")
    max_ending_backlog = qty(null=True, blank=True, help_text="Backlog left after the horizon at most; null: no limit.")
    price_shapeable = models.BooleanField(default=False, help_text="Price may be a decision on this channel (price options).")
    price_elasticity = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True,
                                           help_text="Demand change per price change (e.g. -1.5) for price options.")

    class Meta(Coded.Meta):
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lost_sale_cost__isnull=False) | Q(backlog_cost__isnull=False),
                name="channel_may_lose_or_backlog",
            )
        ]

    def clean(self):
        if self.lost_sale_cost is None and self.backlog_cost is None:
            raise ValidationError("A channel that takes no backlog must allow lost sales (set a lost-sale cost).")


class ResourceKind(models.TextChoices):
    CAPACITY = "capacity", "Fixed capacity"
    WORKFORCE = "workforce", "Workforce"


class Resource(Coded):
    """A constrained resource in hours: fixed regular capacity, or a workforce of people."""

    kind = models.CharField(max_length=10, choices=ResourceKind.choices, default=ResourceKind.CAPACITY)
    capacity_hours = qty(null=True, blank=True, help_text="Regular hours per month (fixed-capacity resource); the cycle's capacity actuals override it.")
    regular_cost_per_hour = money(default=ZERO)
    workforce_initial = qty(null=True, blank=True, help_text="Workers before the first month.")
    hours_per_worker = qty(null=True, blank=True)
    cost_per_worker = money(null=True, blank=True, help_text="Per worker per month, busy or not.")
    hire_cost = money(null=True, blank=True)
    layoff_cost = money(null=True, blank=True)
    workforce_min = qty(null=True, blank=True)
    workforce_max = qty(null=True, blank=True)
    workforce_integer = models.BooleanField(default=False, help_text="Whole workers only (makes the model a MIP).")
    overtime_cost_per_hour = money(null=True, blank=True, help_text="Null: no overtime.")
    overtime_max_hours = qty(null=True, blank=True, help_text="Overtime hours per month at most (fixed capacity).")
    overtime_max_hours_per_worker = qty(null=True, blank=True, help_text="Overtime hours per worker per month at most (workforce).")

    class Meta(Coded.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="capacity") & Q(capacity_hours__isnull=False))
                | (Q(kind="workforce") & Q(workforce_initial__isnull=False) & Q(hours_per_worker__isnull=False)),
                name="resource_capacity_or_workforce",
            )
        ]


class Routing(models.Model):
    """Hours of a resource one in-house unit of a family uses."""

    family = models.ForeignKey(ProductFamily, on_delete=models.CASCADE, related_name="routings")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="routings")
    hours_per_unit = models.DecimalField(max_digits=12, decimal_places=4, validators=NON_NEGATIVE)

    class Meta:
        ordering = ["family__code", "resource__code"]
        constraints = [models.UniqueConstraint(fields=["family", "resource"], name="one_routing_per_family_resource")]

    def __str__(self) -> str:
        return f"{self.family.code} on {self.resource.code}: {self.hours_per_unit} h/unit"


class Component(Coded):
    """A bought part consumed by in-house production through the BOM."""

    holding_cost = money(default=ZERO, help_text="Per unit of ending component inventory per month.")
    standard_value = money(null=True, blank=True, help_text="Valuation per unit; null: first supply option's first-month price.")


class SupplyKind(models.TextChoices):
    CONTRACT = "contract", "Contract"
    SPOT = "spot", "Spot"
    EXPEDITE = "expedite", "Expedite (air)"


class SupplyOption(models.Model):
    """One way to buy a component: price, lead time, capacity, MOQ and order cost."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="supply_options")
    code = models.CharField(max_length=40, validators=[code_validator])
    kind = models.CharField(max_length=10, choices=SupplyKind.choices)
    supplier = models.CharField(max_length=120, blank=True)
    sequence = models.PositiveSmallIntegerField(default=0, help_text="Order of options; the first values the component.")
    price = money(help_text="Price per unit; changes from a month on are SupplyOptionPrice rows (a tariff step).")
    lead_time = models.PositiveSmallIntegerField(default=0, help_text="Months from order to arrival.")
    capacity = qty(null=True, blank=True, help_text="Units per month at most; null: no limit.")
    moq = qty(default=ZERO, help_text="Minimum units per order placed in a month; 0: none.")
    order_cost = money(default=ZERO, help_text="Fixed cost per order placed.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["component__code", "sequence", "code"]
        constraints = [models.UniqueConstraint(fields=["component", "code"], name="one_option_code_per_component")]

    def __str__(self) -> str:
        return f"{self.component.code}/{self.code} ({self.get_kind_display()})"


class SupplyOptionPrice(models.Model):
    """A price change of a supply option from a month on."""

    option = models.ForeignKey(SupplyOption, on_delete=models.CASCADE, related_name="prices")
    effective_from = models.DateField()
    price = money()

    class Meta:
        ordering = ["option_id", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["option", "effective_from"], name="one_option_price_per_month")]

    def __str__(self) -> str:
        return f"{self.option} from {self.effective_from:%Y-%m}: {self.price}"


class BomLine(models.Model):
    """Units of a component one in-house unit of a family consumes."""

    family = models.ForeignKey(ProductFamily, on_delete=models.CASCADE, related_name="bom")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="bom")
    quantity_per_unit = models.DecimalField(max_digits=12, decimal_places=4, validators=NON_NEGATIVE)

    class Meta:
        ordering = ["family__code", "component__code"]
        verbose_name = "BOM line"
        constraints = [models.UniqueConstraint(fields=["family", "component"], name="one_bom_line_per_family_component")]

    def __str__(self) -> str:
        return f"{self.family.code} uses {self.quantity_per_unit} {self.component.code}"


class BudgetLine(models.Model):
    """The annual operating plan (AOP) for one family and month."""

    family = models.ForeignKey(ProductFamily, on_delete=models.CASCADE, related_name="budget")
    month = models.DateField(help_text="First day of the month.")
    units = models.DecimalField(max_digits=14, decimal_places=3, validators=NON_NEGATIVE)
    revenue = total()
    margin = total()
    inventory_value = total(default=ZERO)

    class Meta:
        ordering = ["month", "family__code"]
        constraints = [models.UniqueConstraint(fields=["family", "month"], name="one_budget_line_per_family_month")]

    def __str__(self) -> str:
        return f"Budget {self.family.code} {self.month:%Y-%m}"
