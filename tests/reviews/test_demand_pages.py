"""Demand review pages: who sees what, the step panel, polling that stops, query-count guards."""
import json

import pytest

from reviews.demand import runs, services
from reviews.demand.services import Target
from reviews.models import ForecastRun
from tests.reviews.demand_helpers import catalog, d, history, install_baseline, open_demand_review, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cycle, personas):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100, (fams["AX"], chans["DIR"]): 30,
                             (fams["ZQ"], chans["WEB"]): 7})
    target = Target(period=d("2027-03"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,))
    services.consensus_edit(actor=personas["sales"], cycle=cycle, targets=[target], kind="percent", value=15,
                            new_assumption={"category": "new_customer", "text": "ACME design win +15 %"},
                            require_seen=False)
    return cycle, fams, chans


def pages(cycle, fams):
    return [f"/demand/{cycle.pk}/", f"/demand/{cycle.pk}/grid.json", f"/demand/{cycle.pk}/assumptions/",
            f"/demand/{cycle.pk}/assumptions/?scope=earlier", f"/demand/{cycle.pk}/changes/",
            f"/demand/{cycle.pk}/accuracy/", f"/demand/{cycle.pk}/family/KX/", f"/demand/{cycle.pk}/chart.json",
            f"/demand/{cycle.pk}/export.xlsx",
            f"/demand/{cycle.pk}/cell/?level=family&key={fams['KX'].pk}&period=2027-03"]


@pytest.mark.parametrize("role", ["demand_planner", "sales", "finance", "supply_planner", "executive", "process_owner"])
def test_every_page_role_reads_every_page(setup, client, personas, role):
    cycle, fams, chans = setup
    client.force_login(personas[role])
    for url in pages(cycle, fams):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)


@pytest.mark.parametrize("role", ["integration", "outsider"])
def test_integration_and_outsider_get_403(setup, client, personas, role):
    cycle, fams, chans = setup
    client.force_login(personas[role])
    for url in pages(cycle, fams):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/demand/{cycle.pk}/edit/", "{}", content_type="application/json").status_code == 403


def test_the_grid_offers_editing_to_planners_only(setup, client, demand, finance):
    cycle, fams, chans = setup
    client.force_login(demand)
    html = client.get(f"/demand/{cycle.pk}/").content.decode()
    assert 'id="edit-toolbar"' in html and "ACME design win" in html
    assert client.get(f"/demand/{cycle.pk}/grid.json").json()["editable"] is True
    client.force_login(finance)
    html = client.get(f"/demand/{cycle.pk}/").content.decode()
    assert 'id="edit-toolbar"' not in html and "Read only" in html
    assert client.get(f"/demand/{cycle.pk}/grid.json").json()["editable"] is False


def test_read_only_roles_cannot_edit_through_the_grid_endpoint(setup, client, finance):
    cycle, fams, chans = setup
    client.force_login(finance)
    body = {"view": {}, "kind": "absolute", "value": "1", "assumption": 1,
            "cells": [{"level": "family", "key": fams["KX"].pk, "period": "2027-03", "seen": 0}]}
    r = client.post(f"/demand/{cycle.pk}/edit/", json.dumps(body), content_type="application/json")
    assert r.status_code == 403


def test_grid_rows_group_and_total(setup, client, demand):
    cycle, fams, chans = setup
    client.force_login(demand)
    data = client.get(f"/demand/{cycle.pk}/grid.json?history=3").json()
    rows = {r["id"]: r for r in data["rows"]}
    assert [c["period"] for c in data["columns"][:4]] == ["2026-10", "2026-11", "2026-12", "2027-01"]
    assert rows["t:consensus"]["m202703"] == 115 + 30 + 7
    assert rows["g:FPGA:consensus"]["m202703"] == 145
    assert rows[f"f:{fams['KX'].pk}:overrides"]["m202703"] == 15
    assert rows[f"f:{fams['KX'].pk}:consensus"]["o202703"] == 1
    assert rows[f"f:{fams['KX'].pk}:consensus"]["m202610"] is None  # history month: not editable
    revenue = client.get(f"/demand/{cycle.pk}/grid.json?measure=revenue&channel=DIR").json()
    rows = {r["id"]: r for r in revenue["rows"]}
    assert rows[f"f:{fams['KX'].pk}:consensus"]["m202703"] == 11500.0
    assert revenue["editable"] is False and "g:SoC:consensus" not in rows


def test_grid_json_has_a_fixed_number_of_queries(setup, client, demand, django_assert_max_num_queries):
    cycle, fams, chans = setup
    for i in range(6):
        ship(fams["KX"], chans["DIR"], f"2026-{i + 7:02d}", 10 + i)
    client.force_login(demand)
    client.get(f"/demand/{cycle.pk}/grid.json")
    with django_assert_max_num_queries(15):
        client.get(f"/demand/{cycle.pk}/grid.json")
    with django_assert_max_num_queries(24):
        client.get(f"/demand/{cycle.pk}/")
    with django_assert_max_num_queries(25):
        client.get(f"/demand/{cycle.pk}/assumptions/")


def test_edit_endpoint_query_count_does_not_grow_with_cells(setup, client, demand, django_assert_max_num_queries):
    cycle, fams, chans = setup
    client.force_login(demand)

    def body(n):
        cells = [{"level": "family", "key": fams["KX"].pk, "period": f"2027-{m:02d}", "seen": 10 ** 6}
                 for m in range(4, 4 + n)]
        return json.dumps({"view": {"channel": "DIR"}, "kind": "percent", "value": "5", "cells": cells,
                           "new_assumption": {"category": "market", "text": "Market recovery in H2"}})

    with django_assert_max_num_queries(60):
        r = client.post(f"/demand/{cycle.pk}/edit/", body(1), content_type="application/json")
    assert r.status_code == 200
    with django_assert_max_num_queries(60):
        r = client.post(f"/demand/{cycle.pk}/edit/", body(8), content_type="application/json")
    assert r.status_code == 200


def test_the_step_page_shows_the_demand_panel(setup, client, demand):
    cycle, fams, chans = setup
    client.force_login(demand)
    html = client.get(f"/cycles/{cycle.pk}/demand_review/").content.decode()
    step_id = cycle.steps.get(kind="demand_review").pk
    assert f"/demand/steps/{step_id}/panel/" in html
    panel = client.get(f"/demand/steps/{step_id}/panel/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "1 override" in text and "1 assumption" in text and f"/demand/{cycle.pk}/" in text


def test_nav_has_a_demand_entry(setup, client, finance):
    cycle, fams, chans = setup
    client.force_login(finance)
    html = client.get("/").content.decode()
    assert 'href="/demand/"' in html
    assert client.get("/demand/").status_code == 302


def test_run_status_polls_until_the_run_ends(cycle, personas, client, demand):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    history(fams["KX"], chans["DIR"], "2025-01", [10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17] * 2)
    client.force_login(demand)
    r = client.post(f"/demand/{cycle.pk}/run/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'hx-trigger="every 2s"' in r.content.decode()
    polled = client.get(f"/demand/{cycle.pk}/run/status/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    runs.forecast_run_execute(ForecastRun.objects.get())
    done = client.get(f"/demand/{cycle.pk}/run/status/", HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and done["HX-Trigger"] == "baseline-finished"
    assert "every 2s" not in done.content.decode()


def test_sales_cannot_start_a_baseline_from_the_page(cycle, personas, client, sales):
    catalog()
    client.force_login(sales)
    assert client.post(f"/demand/{cycle.pk}/run/", HTTP_HX_REQUEST="true").status_code == 403


def test_removing_an_override_from_the_cell_panel(setup, client, demand):
    from reviews.models import Override

    cycle, fams, chans = setup
    ov = Override.objects.get()
    client.force_login(demand)
    r = client.post(f"/demand/{cycle.pk}/overrides/{ov.pk}/remove/", {"reason": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "reason" in r.content.decode()
    r = client.post(f"/demand/{cycle.pk}/overrides/{ov.pk}/remove/", {"reason": "Win lost"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Trigger"] == "demand-changed"


def test_dashboard_todo_for_assumptions_to_review(setup, client, personas, owner):
    from cycles import services as cycle_services
    from tests.cycles.helpers import sign_through

    later = cycle_services.cycle_open(actor=owner, label="2027-02")
    sign_through(later, personas, "data_gathering")
    client.force_login(personas["demand_planner"])
    html = client.get("/").content.decode()
    assert "assumption(s) of earlier cycles" in html


def test_a_new_demand_line_creates_the_series(setup, client, demand):
    from reviews.models import ConsensusCell

    cycle, fams, chans = setup
    client.force_login(demand)
    body = {"view": {"channel": "DIS"}, "kind": "absolute", "value": "25", "new_line": True,
            "new_assumption": {"category": "launch", "text": "Artix launches through distribution"},
            "cells": [{"level": "family", "key": fams["AX"].pk, "period": p, "seen": 0}
                      for p in ("2027-05", "2027-06")]}
    r = client.post(f"/demand/{cycle.pk}/edit/", json.dumps(body), content_type="application/json")
    assert r.status_code == 200, r.json()
    cells = ConsensusCell.objects.filter(cycle=cycle, family=fams["AX"], channel=chans["DIS"])
    assert cells.count() == 24 and sum(c.quantity for c in cells) == 50
    again = client.post(f"/demand/{cycle.pk}/edit/", json.dumps(body), content_type="application/json")
    assert again.status_code == 400 and "already has demand" in again.json()["message"]


def test_marking_an_earlier_assumption_from_the_register(setup, client, personas, owner, finance):
    from cycles import services as cycle_services
    from reviews.models import Assumption
    from tests.cycles.helpers import sign_through

    cycle, fams, chans = setup
    later = cycle_services.cycle_open(actor=owner, label="2027-02")
    sign_through(later, personas, "data_gathering")
    a = Assumption.objects.get()
    client.force_login(finance)
    assert client.post(f"/demand/{later.pk}/assumptions/{a.pk}/review/", {"outcome": "held"},
                       HTTP_HX_REQUEST="true").status_code == 403  # read only: refused in the row
    assert Assumption.objects.get().outcome == "unreviewed"
    client.force_login(personas["sales"])
    page = client.get(f"/demand/{later.pk}/assumptions/?scope=earlier").content.decode()
    assert "ACME design win" in page and 'value="did_not_hold"' in page
    r = client.post(f"/demand/{later.pk}/assumptions/{a.pk}/review/", {"outcome": "did_not_hold", "note": ""},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "note" in r.content.decode()
    r = client.post(f"/demand/{later.pk}/assumptions/{a.pk}/review/",
                    {"outcome": "did_not_hold", "note": "ACME slipped a quarter"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'data-outcome="did_not_hold"' in r.content.decode()
    a.refresh_from_db()
    assert (a.outcome, a.reviewed_in, a.review_note) == ("did_not_hold", later, "ACME slipped a quarter")
