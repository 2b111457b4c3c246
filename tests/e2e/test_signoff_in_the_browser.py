"""Two users of different roles log in and sign off demand review in a real browser."""
import pytest

from cycles.models import Step
from tests.cycles.helpers import sign_through

pytestmark = pytest.mark.browser


def test_demand_planner_and_sales_sign_off_demand_review(live_server, login, personas, cycle, artifacts):
    sign_through(cycle, personas, "data_gathering")
    url = f"{live_server.url}/cycles/{cycle.pk}/demand_review/"

    planner = login("demand")
    planner.goto(url)
    planner.click("button[data-action=sign]")
    planner.wait_for_selector("#signoff-notice")
    assert "waiting" in planner.inner_text("tr[data-role=sales]")
    assert "demand" in planner.inner_text("tr[data-role=demand_planner]")
    # No full reload: the page kept its own URL and the fragment was swapped by htmx.
    assert planner.url == url

    seller = login("sales")
    seller.goto(url)
    seller.click("button[data-action=sign]")
    seller.wait_for_selector("#signoff-notice")
    assert seller.get_attribute("#step-status", "data-status") == "signed_off"
    seller.wait_for_selector('.tl-step[data-step="supply_review"][data-state="open"]')
    seller.screenshot(path=str(artifacts / "demand_review_signed_off.png"), full_page=True)

    assert Step.objects.get(cycle=cycle, kind="demand_review").status == "signed_off"
    assert Step.objects.get(cycle=cycle, kind="supply_review").status == "open"


def test_send_back_without_comment_shows_the_refusal_in_the_page(live_server, login, personas, cycle, artifacts):
    sign_through(cycle, personas, "data_gathering")
    page = login("sales")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/demand_review/")
    page.click("button[data-action=send-back]")
    page.wait_for_selector("#signoff-error")
    assert "needs a comment" in page.inner_text("#signoff-error")
    page.screenshot(path=str(artifacts / "send_back_refused.png"))
    assert Step.objects.get(cycle=cycle, kind="demand_review").status == "open"
