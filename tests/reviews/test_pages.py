"""The data-gathering panel: validate first, then apply; progress; findings; who sees what."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.models import ImportBatch, Shipment
from tests.cycles.helpers import step
from tests.reviews.helpers import imp

CSV = b"family,channel,period,quantity,revenue\nART,direct,2026-12,10,950\n"


def upload(client, step_obj, data=CSV, kind="shipments", name="ship.csv"):
    return client.post(reverse("data_upload", args=[step_obj.pk]), {"kind": kind, "file": SimpleUploadedFile(name, data)},
                       HTTP_HX_REQUEST="true")


def test_the_panel_loads_on_the_step_page_in_a_fixed_number_of_queries(client, owner, catalog_loaded, cycle,
                                                                        django_assert_max_num_queries):
    client.force_login(owner)
    page = client.get(reverse("step_detail", args=[cycle.pk, "data_gathering"]))
    assert reverse("data_panel", args=[step(cycle, "data_gathering").pk]).encode() in page.content
    with django_assert_max_num_queries(20):
        panel = client.get(reverse("data_panel", args=[step(cycle, "data_gathering").pk]))
    assert panel.status_code == 200 and b"upload-form" in panel.content


def test_upload_validates_first_and_apply_stores(client, owner, catalog_loaded, cycle):
    client.force_login(owner)
    response = upload(client, step(cycle, "data_gathering"))
    assert response.status_code == 200
    assert b"Would import 1 rows" in response.content and b"apply-button" in response.content
    assert not Shipment.objects.exists()
    preview = ImportBatch.objects.get(status="validated")
    applied = client.post(reverse("import_apply", args=[preview.pk]), HTTP_HX_REQUEST="true")
    assert applied.status_code == 200 and b"Imported 1 rows" in applied.content
    assert Shipment.objects.count() == 1


def test_a_preview_overtaken_by_a_later_import_is_not_applied(client, owner, catalog_loaded, cycle):
    """The counts of a preview describe the data as it was; after another import of the kind they
    no longer do, so Apply is refused (409) and the panel says to validate again."""
    client.force_login(owner)
    upload(client, step(cycle, "data_gathering"))  # preview: ART direct 2026-12 = 10
    preview = ImportBatch.objects.get(status="validated")
    later = imp(owner, "shipments", "family,channel,period,quantity,revenue\nART,direct,2026-12,25,2375\n", name="fix.csv")
    assert later.status == "applied"
    panel = client.get(reverse("data_panel", args=[step(cycle, "data_gathering").pk]))
    assert b"Out of date" in panel.content and f"#{later.pk} was applied since".encode() in panel.content
    assert reverse("import_apply", args=[preview.pk]).encode() not in panel.content
    refused = client.post(reverse("import_apply", args=[preview.pk]), HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    assert b"changed after this preview" in refused.content and b"nothing was imported" in refused.content
    assert list(Shipment.objects.values_list("quantity", flat=True)) == [25]
    assert ImportBatch.objects.filter(status="applied", kind="shipments").count() == 1
    # validated again, the same file applies
    upload(client, step(cycle, "data_gathering"))
    fresh = ImportBatch.objects.filter(status="validated").latest("pk")
    assert fresh.superseded_by is None and fresh.rows_updated == 1
    assert client.post(reverse("import_apply", args=[fresh.pk]), HTTP_HX_REQUEST="true").status_code == 200
    assert list(Shipment.objects.values_list("quantity", flat=True)) == [10]
    applied = ImportBatch.objects.filter(status="applied").latest("pk")
    panel = client.get(reverse("data_panel", args=[step(cycle, "data_gathering").pk]))
    assert f"Applied as <a href=\"{reverse('import_detail', args=[applied.pk])}\">#{applied.pk}</a>".encode() in panel.content
    again = client.post(reverse("import_apply", args=[fresh.pk]), HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and f"already applied as import #{applied.pk}".encode() in again.content
    assert ImportBatch.objects.filter(status="applied", kind="shipments").count() == 2


def test_a_bad_upload_lists_its_errors_and_offers_no_apply(client, owner, catalog_loaded, cycle):
    client.force_login(owner)
    response = upload(client, step(cycle, "data_gathering"), data=b"family,channel,period,quantity\nXX,direct,2026-12,1\n")
    assert b"unknown family code" in response.content and b"apply-button" not in response.content


def test_sales_cannot_upload(client, sales, catalog_loaded, cycle):
    client.force_login(sales)
    assert upload(client, step(cycle, "data_gathering")).status_code == 403
    panel = client.get(reverse("data_panel", args=[step(cycle, "data_gathering").pk]))
    assert panel.status_code == 200 and b"upload-form" not in panel.content


def test_a_big_upload_runs_in_a_celery_task_with_a_progress_bar(client, owner, catalog_loaded, cycle, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    from reviews.services import imports

    monkeypatch.setattr(imports, "ASYNC_ROWS", 0)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, step(cycle, "data_gathering"))
    preview = ImportBatch.objects.get(status="validated")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_apply", args=[preview.pk]), HTTP_HX_REQUEST="true")
    batch = ImportBatch.objects.get(kind="shipments", dry_run=False)
    assert batch.status == "applied" and batch.attempts == 1 and batch.progress == 100
    progress = client.get(reverse("import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 286  # htmx stops polling


def test_a_queued_batch_shows_a_polling_progress_bar(client, owner, catalog_loaded):
    batch = ImportBatch.objects.create(kind="shipments", source="upload", status="running", progress=40)
    client.force_login(owner)
    response = client.get(reverse("import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'hx-trigger="every 1s"' in response.content and b"40%" in response.content


def test_a_duplicate_delivery_of_the_task_does_nothing(owner, catalog_loaded):
    from reviews.tasks import run_import

    batch = imp(owner, "shipments", CSV.decode())
    run_import(batch.pk)  # already applied: the claim fails, nothing runs again
    assert ImportBatch.objects.get(pk=batch.pk).attempts == 0


def test_the_findings_page_and_waiving_from_it(client, owner, demand, catalog_loaded, cycle):
    imp(owner, "shipments", "family,channel,period,quantity,revenue\nART,direct,2026-12,5,0\n")
    client.force_login(demand)
    page = client.get(reverse("findings", args=[cycle.pk]))
    assert b"no revenue" in page.content and b"waive-form" not in page.content
    client.force_login(owner)
    finding = cycle.findings.get(check_code="zero_revenue")
    client.post(reverse("finding_waive", args=[finding.pk]), {"comment": "promo"})
    finding.refresh_from_db()
    assert finding.status == "waived"


@pytest.mark.parametrize("url_name", ["import_list"])
def test_the_import_list_renders_in_a_fixed_number_of_queries(client, owner, catalog_loaded, url_name, django_assert_max_num_queries):
    client.force_login(owner)
    with django_assert_max_num_queries(10):
        response = client.get(reverse(url_name))
    assert response.status_code == 200 and b"import-table" in response.content


def test_a_batch_whose_worker_died_is_claimed_again_and_then_reaped(owner, catalog_loaded):
    import datetime as dt

    from django.utils import timezone

    from reviews.services import imports

    old = timezone.now() - dt.timedelta(hours=1)
    batch = ImportBatch.objects.create(kind="shipments", source="upload", status="running", heartbeat_at=old, attempts=1)
    assert imports.claim(batch.pk).attempts == 2
    assert imports.claim(batch.pk) is None  # fresh heartbeat: claimed by the other worker
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=old)
    assert imports.reap_stale() == 1
    assert ImportBatch.objects.get(pk=batch.pk).status == "failed"


def test_a_single_huge_line_is_refused_cleanly(owner, catalog_loaded):
    batch = imp(owner, "families", "code,name\n" + "x" * 6_000_000)
    assert batch.status == "rejected"


def test_a_big_file_is_validated_by_a_worker_and_then_offers_apply(client, owner, catalog_loaded, cycle, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    from reviews.services import imports

    monkeypatch.setattr(imports, "ASYNC_ROWS", 0)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(client, step(cycle, "data_gathering"))
    assert b"a worker checks it" in response.content and b'hx-trigger="every 1s"' in response.content
    for callback in callbacks:
        callback()
    preview = ImportBatch.objects.get(kind="shipments", dry_run=True)
    assert preview.status == "validated"
    progress = client.get(reverse("import_progress", args=[preview.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 286 and reverse("import_apply", args=[preview.pk]).encode() in progress.content


def test_a_queued_batch_whose_file_vanished_is_rejected_not_crashed(owner, catalog_loaded):
    from reviews.tasks import run_import

    batch = ImportBatch.objects.create(kind="shipments", source="upload", status="pending", stored_path="/nonexistent/x.csv",
                                       file_format="csv", actor=owner)
    run_import(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "rejected" and "no longer readable" in batch.errors[0]["reason"]
