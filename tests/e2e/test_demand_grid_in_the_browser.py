"""A demand planner edits the consensus in the grid with an assumption; the plan updates
without a page reload; a stale edit by a second planner shows the conflict."""
import pytest

from reviews.models import Assumption, ConsensusCell
from tests.reviews.demand_helpers import catalog, d, install_baseline, open_demand_review

pytestmark = pytest.mark.browser


def grid_cell(page, row_id, field):
    return page.locator(f'.tabulator-row[data-row-id="{row_id}"] .tabulator-cell[tabulator-field="{field}"]')


def type_into(page, cell, text):
    """Open the cell's editor (Enter on the selected cell, or a double click) and type; Enter saves."""
    editor = page.locator(".tabulator-cell.tabulator-editing input")
    for opener in ("keyboard", "dblclick", "keyboard"):
        if opener == "keyboard":
            cell.click()
            page.keyboard.press("Enter")
        else:
            cell.dblclick()
        try:
            editor.wait_for(timeout=3000)
            break
        except Exception:  # the grid re-rendered under the click: try again
            continue
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_demand_planner_edits_a_cell_with_an_assumption(live_server, login, personas, cycle, artifacts):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100, (fams["AX"], chans["DIR"]): 40})
    kx = f"f:{fams['KX'].pk}:consensus"

    page = login("demand")
    page.goto(f"{live_server.url}/demand/{cycle.pk}/?channel=DIR")
    page.wait_for_selector("#demand-grid[data-ready='1']")
    page.evaluate("window.__noReload = true")
    cell = grid_cell(page, kx, "m202703")
    assert cell.inner_text() == "100"

    # No assumption picked: the change is refused, nothing is saved.
    type_into(page, cell, "130")
    page.wait_for_selector('#grid-message[data-kind="error"]')
    assert "assumption" in page.inner_text("#grid-message")
    assert cell.inner_text() == "100"

    page.select_option("#assumption-select", "new")
    page.select_option("#na-category", "new_customer")
    page.fill("#na-text", "ACME design win: +30 units a month on direct Kintex")
    type_into(page, cell, "130")  # Enter edits the selected cell, Enter again saves
    page.wait_for_selector('#grid-message[data-kind="ok"]')
    assert cell.inner_text() == "130"
    assert grid_cell(page, "t:consensus", "m202703").inner_text() == "170"  # the total followed
    assert grid_cell(page, f"f:{fams['KX'].pk}:overrides", "m202703").inner_text() == "30"
    assert page.evaluate("window.__noReload") is True  # no page reload
    assert page.locator("#assumption-select").input_value() == str(Assumption.objects.get().pk)
    page.wait_for_selector("#cell-detail-body")
    page.screenshot(path=str(artifacts / "demand_grid_edited.png"), full_page=True)

    assert ConsensusCell.objects.get(cycle=cycle, family=fams["KX"], channel=chans["DIR"], period=d("2027-03")
                                     ).quantity == 130

    # A second planner saves the same cell first: the first planner's stale edit is refused.
    seller = login("sales")
    seller.goto(f"{live_server.url}/demand/{cycle.pk}/?channel=DIR")
    seller.wait_for_selector("#demand-grid[data-ready='1']")
    other = grid_cell(seller, kx, "m202704")
    seller.select_option("#assumption-select", "new")
    seller.fill("#na-text", "Distributor pulls April orders forward")
    type_into(seller, other, "+10%")
    seller.wait_for_selector('#grid-message[data-kind="ok"]')
    assert other.inner_text() == "110"

    mine = grid_cell(page, kx, "m202704")  # still shows 100: this page has not heard of it
    type_into(page, mine, "90")
    page.wait_for_function("document.getElementById('grid-message').textContent.includes('changed by someone else')")
    assert "now 110" in page.inner_text("#grid-message")
    page.wait_for_function(f"document.querySelector('.tabulator-row[data-row-id=\"{kx}\"] .tabulator-cell[tabulator-field=\"m202704\"]').innerText === '110'")
    page.screenshot(path=str(artifacts / "demand_grid_conflict.png"), full_page=True)
    assert ConsensusCell.objects.get(cycle=cycle, family=fams["KX"], channel=chans["DIR"], period=d("2027-04")
                                     ).quantity == 110
