"""The same file never imports twice; a corrected file replaces the rows of its scope, and the
history says what it replaced."""
from cycles.models import Event
from reviews.models import InventoryActual, Shipment
from tests.reviews.helpers import imp

JAN_FEB = "family,channel,period,quantity,revenue\nART,direct,2027-01,10,950\nKIN,direct,2027-01,5,3400\nART,direct,2027-02,12,1140\n"


def test_the_same_file_for_the_same_kind_does_not_import_twice(owner, catalog_loaded):
    first = imp(owner, "shipments", JAN_FEB)
    again = imp(owner, "shipments", JAN_FEB, name="renamed.csv")
    assert first.status == "applied"
    assert again.status == "duplicate" and again.duplicate_of_id == first.pk
    assert Shipment.objects.count() == 3


def test_a_corrected_month_replaces_its_family_and_channel_rows_and_counts_the_changes(owner, catalog_loaded):
    imp(owner, "shipments", "sku,channel,period,quantity\nART-C1,direct,2027-01,6\nART-I1,direct,2027-01,4\n"
                            "ART-C1,distributor,2027-01,4\nKIN-C1,direct,2027-01,5\nART-C1,direct,2027-02,12\n")
    fix = imp(owner, "shipments", "sku,channel,period,quantity\nART-C1,direct,2027-01,7\nART-C1,ecommerce,2027-01,3\n")
    assert fix.status == "applied"
    assert (fix.rows_added, fix.rows_updated, fix.rows_unchanged, fix.rows_removed) == (1, 1, 0, 1)
    assert fix.scope == {"periods": ["2027-01"], "families": ["ART"], "channels": ["direct", "ecommerce"],
                         "combinations": 2, "replaced": 2}
    jan = dict(Shipment.objects.filter(period="2027-01-01", family__code="ART").values_list("channel__code", "quantity"))
    assert jan == {"direct": 7, "ecommerce": 3, "distributor": 4}  # ART-I1's direct row was replaced away
    assert Shipment.objects.get(period="2027-01-01", family__code="KIN").quantity == 5  # another family: untouched
    assert Shipment.objects.get(period="2027-02-01").quantity == 12  # another month: untouched
    event = Event.objects.get(verb="import.applied", object_id=str(fix.pk))
    assert event.after["scope"]["replaced"] == 2
    assert event.after["removed"] == 1 and event.after["updated"] == 1


def test_an_older_file_sent_again_after_a_correction_is_applied_again(owner, catalog_loaded):
    imp(owner, "shipments", JAN_FEB)
    imp(owner, "shipments", "family,channel,period,quantity\nART,direct,2027-01,11\n")
    back = imp(owner, "shipments", JAN_FEB)
    assert back.status == "applied"
    assert Shipment.objects.get(period="2027-01-01", family__code="ART").quantity == 10


def test_a_dry_run_shows_what_would_change_and_stores_nothing(owner, catalog_loaded):
    imp(owner, "shipments", JAN_FEB)
    preview = imp(owner, "shipments", "family,channel,period,quantity\nART,direct,2027-01,99\n", dry_run=True)
    assert preview.status == "validated"
    assert (preview.rows_added, preview.rows_updated, preview.rows_removed) == (0, 1, 0)  # KIN is not in the file
    assert "Would import" in preview.message
    assert Shipment.objects.get(period="2027-01-01", family__code="ART").quantity == 10
    assert not Event.objects.filter(object_id=str(preview.pk)).exists()


def test_snapshot_scope_is_the_cycle_and_its_months(owner, catalog_loaded, cycle):
    imp(owner, "inventory", "family,period,on_hand\nART,2026-11,100\nART,2026-12,90\n", cycle=cycle)
    fix = imp(owner, "inventory", "family,period,on_hand\nART,2026-12,95\n", cycle=cycle)
    assert fix.scope == {"cycle": "2027-01", "periods": ["2026-12"], "replaced": 1}
    assert dict(InventoryActual.objects.values_list("period__month", "on_hand")) == {11: 100, 12: 95}


def test_master_data_updates_say_what_changed_in_each_row(owner, catalog_loaded):
    batch = imp(owner, "families", "code,name,list_price\nART,Artix-class low-end,99\nNEW,New family,10\n")
    assert (batch.rows_added, batch.rows_updated, batch.rows_unchanged) == (1, 1, 0)
    changes = Event.objects.get(verb="import.applied", object_id=str(batch.pk)).after["changes"]
    assert {"key": ["ART"], "before": {"list_price": "95"}, "after": {"list_price": "99"}} in changes


def test_a_replaced_bom_scope_removes_lines_not_in_the_file(owner, catalog_loaded):
    from catalog.models import BomLine

    batch = imp(owner, "bom", "family,component,quantity_per_unit\nART,DIE,1\n")
    assert batch.rows_removed == 1  # ART's SUB line
    assert set(BomLine.objects.filter(family__code="ART").values_list("component__code", flat=True)) == {"DIE"}
    assert BomLine.objects.filter(family__code="KIN").count() == 2  # another family's BOM is untouched


def test_moving_a_sku_to_another_family_moves_its_history(owner, catalog_loaded):
    imp(owner, "shipments", "sku,channel,period,quantity\nART-C1,direct,2027-01,5\n")
    imp(owner, "skus", "code,name,family\nART-C1,Artix C1,KIN\n")
    assert Shipment.objects.get().family.code == "KIN"
