"""Actuals brought by import batches.

History-type facts (shipments, bookings, financials) are by month and not owned by a cycle:
the batch that brought them records the cycle. Snapshot-type facts (inventory, open orders,
capacity, component supply) belong to a cycle. Every row names the batch it came from.

The big tables carry no unique index on purpose: the import service is their only writer,
refuses duplicate keys inside a file and replaces whole months (history) or the cycle's
months (snapshots), so keys stay unique; an index would triple the cost of a million-row load
(see docs/decisions/imports.md). Foreign keys are not indexed for the same reason.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from catalog.models import Channel, Component, ProductFamily, Resource, Sku


def _fk(model, **kw):
    # No index and no database constraint: the import service validates every code against the
    # catalog before it writes, and PROTECT still guards deletes at the ORM level. Constraint
    # triggers would cost a lookup per row and column at commit (millions for a big file).
    return models.ForeignKey(model, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False, **kw)


class Flow(models.Model):
    """Units (and revenue) of a family or SKU through a channel in a month."""

    batch = _fk("reviews.ImportBatch")
    family = _fk(ProductFamily, null=True, blank=True, help_text="Always set, derived from the SKU when a SKU is given (null only for a SKU without a family).")
    sku = _fk(Sku, null=True, blank=True)
    channel = _fk(Channel)
    period = models.DateField(help_text="First day of the month.")
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        abstract = True
        ordering = ["period", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.period:%Y-%m} {self.quantity}"


class Shipment(Flow):  # noqa: DJ008 - __str__ from the base
    """Units shipped (and invoiced revenue) in a month."""

    class Meta(Flow.Meta):
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=0), name="shipment_quantity_not_negative")]


class Booking(Flow):  # noqa: DJ008 - __str__ from the base
    """Orders booked (received) in a month."""

    class Meta(Flow.Meta):
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=0), name="booking_quantity_not_negative")]


class FinancialActual(models.Model):
    """Financial actuals per family (and optionally channel) and month."""

    batch = _fk("reviews.ImportBatch")
    family = _fk(ProductFamily)
    channel = _fk(Channel, null=True, blank=True)
    period = models.DateField(db_index=True)
    revenue = models.DecimalField(max_digits=16, decimal_places=2)
    cogs = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    margin = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        ordering = ["period", "id"]

    def __str__(self) -> str:
        return f"financials {self.period:%Y-%m} {self.revenue}"


class CycleSnapshot(models.Model):
    batch = _fk("reviews.ImportBatch")
    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="+")
    period = models.DateField()

    class Meta:
        abstract = True
        ordering = ["period", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.cycle_id} {self.period:%Y-%m}"


class InventoryActual(CycleSnapshot):  # noqa: DJ008 - __str__ from the base
    """Finished-goods units on hand at the end of a month (and receipts into stock that month)."""

    family = _fk(ProductFamily)
    on_hand = models.DecimalField(max_digits=14, decimal_places=3)
    receipts = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)


class OpenOrder(CycleSnapshot):  # noqa: DJ008 - __str__ from the base
    """Orders not yet shipped, by family, channel and due month (due before the cycle: backlog)."""

    family = _fk(ProductFamily)
    channel = _fk(Channel)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)


class CapacityActual(CycleSnapshot):  # noqa: DJ008 - __str__ from the base
    """Regular hours (or workers) of a resource available in a month of the horizon."""

    resource = _fk(Resource)
    hours = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    workers = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)


class ComponentSupply(CycleSnapshot):  # noqa: DJ008 - __str__ from the base
    """A component's units on hand at the start of a month and receipts already on order for it."""

    component = _fk(Component)
    on_hand = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    receipts = models.DecimalField(max_digits=14, decimal_places=3, default=0)

    class Meta(CycleSnapshot.Meta):
        verbose_name_plural = "component supply"
