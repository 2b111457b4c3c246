"""A file with any invalid row stores no row of it; a failure while writing stores nothing either.
CI runs these on PostgreSQL (the COPY path); locally they run on SQLite too."""
from cycles.models import Event
from reviews.imports import load
from reviews.models import ImportBatch, Shipment
from tests.reviews.helpers import imp

GOOD = "family,channel,period,quantity,revenue\n" + "".join(f"ART,direct,2026-{m:02d},{m * 10},{m * 950}\n" for m in range(1, 13))


def test_one_bad_row_among_many_good_ones_stores_nothing(owner, catalog_loaded):
    imp(owner, "shipments", GOOD)
    before = list(Shipment.objects.order_by("period").values_list("period", "quantity"))
    bad = GOOD.replace("ART,direct,2026-07,70,", "ART,direct,2026-07,seventy,").replace(",10,", ",11,")
    batch = imp(owner, "shipments", bad)
    assert batch.status == "rejected"
    assert list(Shipment.objects.order_by("period").values_list("period", "quantity")) == before


def test_a_failure_in_the_middle_of_the_write_leaves_the_earlier_rows_untouched(owner, catalog_loaded, monkeypatch):
    imp(owner, "shipments", GOOD)
    before = list(Shipment.objects.order_by("period").values_list("period", "quantity"))
    real = load.ActualsWriter.settle

    def explode(self):
        real(self)  # the new rows are written and the scope's earlier rows deleted, then it fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(load.ActualsWriter, "settle", explode)
    batch = imp(owner, "shipments", GOOD.replace(",10,", ",99,"))
    assert batch.status == "failed"
    assert "stored nothing" in batch.message
    assert list(Shipment.objects.order_by("period").values_list("period", "quantity")) == before
    assert not Event.objects.filter(verb="import.applied", object_id=str(batch.pk)).exists()


def test_a_rejected_file_keeps_its_batch_and_error_report_and_is_in_the_history(owner, catalog_loaded):
    batch = imp(owner, "shipments", "family,channel,period,quantity\nART,direct,2026-01,x\n")
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert stored.status == "rejected" and stored.error_count == 1
    assert stored.errors[0] == {"row": 2, "column": "quantity", "value": "x", "reason": "is not a number"}
    event = Event.objects.get(verb="import.rejected")
    assert event.after["errors"] == 1 and event.actor == owner


def test_master_data_with_a_row_rule_error_stores_no_row_of_the_file(owner):
    batch = imp(owner, "channels", "code,name,lost_sale_cost\nok1,Fine,0\nbad,No backlog and no lost sales,\n")
    assert batch.status == "rejected"
    from catalog.models import Channel

    assert not Channel.objects.exists()
