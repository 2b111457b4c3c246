"""The demo company loads through the import service, twice without change, with its planted
data-quality problems; the selectors later steps call."""
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.models import Channel, ProductFamily, Resource, Sku
from cycles.models import Cycle, Event
from reviews import selectors
from reviews.models import Finding, ImportBatch, Shipment


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return Cycle.objects.get(status="open")


def test_the_demo_company_is_loaded_through_imports_and_a_second_run_changes_nothing(demo):
    assert ProductFamily.objects.count() == 12 and Sku.objects.count() == 61
    assert Channel.objects.count() == 3 and Resource.objects.count() == 4
    assert ImportBatch.objects.filter(source="demo", status="applied").count() == 18
    counts = (ImportBatch.objects.count(), Shipment.objects.count(), Event.objects.count(), Finding.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (ImportBatch.objects.count(), Shipment.objects.count(), Event.objects.count(), Finding.objects.count()) == counts


def test_the_demo_channels_earn_their_margins(demo):
    from reviews.demo import FAMILIES

    direct, dist, ecom = (Channel.objects.get(code=c) for c in ("direct", "distributor", "ecommerce"))
    family = ProductFamily.objects.get(code="KIN-MID")
    bom = sum(line.quantity_per_unit * line.component.supply_options.order_by("sequence")[0].price for line in family.bom.all())
    labour = sum(r.hours_per_unit * (r.resource.regular_cost_per_hour or Decimal(45)) for r in family.routings.all())
    cost = family.material_cost + bom + labour
    for channel, margin in ((direct, 0.52), (dist, 0.35), (ecom, 0.28)):
        price = family.list_price * channel.price_factor
        assert abs(float((price - cost) / price) - margin) < 0.01, channel.code
    assert len(FAMILIES) == 12


def test_the_demo_plants_findings_the_owner_can_waive(demo):
    found = {f.check_code: f for f in Finding.objects.filter(cycle=demo).exclude(status="resolved")}
    assert {"missing_months", "outlier", "zero_revenue", "sku_without_family", "inventory_reconciliation",
            "capacity_missing"} <= set(found)
    assert [f.check_code for f in selectors.open_blocking(demo)] == ["zero_revenue"]


def test_selectors_for_the_later_steps(demo):
    first, last = selectors.history_window(demo)
    history = selectors.monthly_history(start=first, end=last)
    assert {r["channel"] for r in history} == {"direct", "distributor", "ecommerce"}
    assert len({r["period"] for r in history}) == 24
    assert all(isinstance(r["quantity"], Decimal) for r in history[:5])
    inventory = selectors.latest_inventory(demo)
    assert set(inventory) == set(ProductFamily.objects.values_list("code", flat=True))
    capacity = selectors.capacity_by_month(demo)
    assert len(capacity["WTEST"]) == 24 and len(capacity["BURN"]) == 18
    supply = selectors.component_supply(demo)
    assert supply["DIE"]["on_hand"] > 0 and len(supply["DIE"]["receipts"]) == 2
    backlog = selectors.initial_backlog(demo)
    assert backlog["KIN-MID"]["direct"] > 0
    budget = selectors.budget(start=demo.start_month, end=demo.start_month)
    assert len(budget) == 12


def test_selectors_run_in_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        selectors.monthly_history()
    with django_assert_max_num_queries(2):
        selectors.latest_inventory(demo)
    with django_assert_max_num_queries(1):
        selectors.component_supply(demo)
