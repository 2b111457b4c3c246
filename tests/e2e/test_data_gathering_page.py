"""In a browser: the process owner validates a file on step 1's page, sees the preview, applies it,
and the panel shows the applied import (htmx multipart upload and swaps)."""
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("REQUIRE_BROWSER"), reason="no chromium"),
]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu",
                                                                    "--disable-background-networking"])
        yield browser.new_page()
        browser.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the role groups for later tests
def test_the_owner_validates_then_applies_a_file_on_the_step_page(live_server, browser_page, tmp_path):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cycles import services
    from reviews.models import Shipment
    from tests.reviews.helpers import load_samples

    owner = get_user_model().objects.create_user("owner", password="pw-owner-1234")
    owner.groups.set(Group.objects.filter(name="process_owner"))
    cycle = services.cycle_open(actor=owner, label="2027-01")
    load_samples(owner, kinds=["families", "channels", "skus"])
    upload = tmp_path / "jan.csv"
    upload.write_text("family,channel,period,quantity,revenue\nART,direct,2026-12,42,3990\n")

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", "pw-owner-1234")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/data_gathering/")
    page.wait_for_selector("#upload-form")
    page.select_option("#upload-kind", "shipments")
    page.set_input_files("#upload-file", str(upload))
    page.click("#validate-button")
    page.wait_for_selector("#preview-counts")
    assert "Would import 1 rows" in page.inner_text("#preview")
    assert not Shipment.objects.exists()
    page.click("#apply-button")
    page.wait_for_selector("#applied")
    assert "Imported 1 rows" in page.inner_text("#applied")
    assert Shipment.objects.get().quantity == 42
