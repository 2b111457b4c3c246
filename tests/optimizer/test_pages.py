"""Scenario and plan pages per role, the progress fragment (286 when done), panels, query counts."""
import pytest
from django.urls import reverse

from optimizer import services, tasks
from optimizer.models import Scenario, SolveRun
from tests.cycles.helpers import sign_through
from tests.optimizer.helpers import tiny

ROLES = ["process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive", "integration", "outsider"]
PAGE_ROLES = {"process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive"}
EDITORS = {"process_owner", "demand_planner", "supply_planner", "finance"}


@pytest.fixture
def solved(supply, scenario):
    run = services.solve_submit(actor=supply, scenario=scenario)
    tasks.solve_run(run.pk)
    run.refresh_from_db()
    return run


@pytest.mark.parametrize("role", ROLES)
def test_read_pages_open_for_page_roles_and_refuse_others(client, personas, solved, role):
    client.force_login(personas[role])
    urls = [reverse("scenario_list"), reverse("scenario_detail", args=[solved.scenario_id]),
            reverse("run_detail", args=[solved.pk]), reverse("run_status", args=[solved.pk]),
            reverse("scenario_compare") + f"?runs={solved.pk}",
            reverse("run_family", args=[solved.pk]) + "?family=FPGA-A"]
    for url in urls:
        ok = 286 if "/status/" in url else 200  # the fragment of a finished run stops htmx polling
        assert client.get(url).status_code == (ok if role in PAGE_ROLES else 403), url


@pytest.mark.parametrize("role", ROLES)
def test_only_planners_open_the_scenario_form_and_solve(client, personas, scenario, role):
    client.force_login(personas[role])
    form = client.get(reverse("scenario_new") + f"?cycle={scenario.cycle_id}")
    edit = client.get(reverse("scenario_edit", args=[scenario.pk]))
    solve = client.post(reverse("scenario_solve", args=[scenario.pk]))
    if role in EDITORS:
        assert form.status_code == 200 and edit.status_code == 200 and solve.status_code == 302
        assert SolveRun.objects.filter(scenario=scenario).exists()
    else:
        assert form.status_code == 403 and edit.status_code == 403 and solve.status_code == 403
        assert not SolveRun.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_planners_delete_a_scenario(client, personas, cycle, supply, role):
    spare = services.scenario_create(actor=supply, cycle=cycle, name="Spare")
    client.force_login(personas[role])
    response = client.post(reverse("scenario_delete", args=[spare.pk]))
    assert response.status_code == (302 if role in EDITORS else 403)
    assert Scenario.objects.filter(pk=spare.pk).exists() == (role not in EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_step_panels_open_for_page_roles_and_refuse_others(client, personas, cycle, role):
    from tests.cycles.helpers import step

    client.force_login(personas[role])
    for kind, name in (("supply_review", "supply_review_panel"), ("pre_sop", "pre_sop_panel")):
        response = client.get(reverse(name, args=[step(cycle, kind).pk]), HTTP_HX_REQUEST="true")
        assert response.status_code == (200 if role in PAGE_ROLES else 403)


def test_anonymous_users_are_sent_to_log_in(client, scenario):
    response = client.get(reverse("scenario_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_progress_fragment_polls_until_done_then_stops_with_286_and_the_plan(client, supply, scenario):
    run = services.solve_submit(actor=supply, scenario=scenario)
    client.force_login(supply)
    url = reverse("run_status", args=[run.pk])
    waiting = client.get(url, HTTP_HX_REQUEST="true")
    html = waiting.content.decode()
    assert waiting.status_code == 200 and 'hx-trigger="every 1s"' in html and 'id="run-progress"' in html
    assert "HX-Request" in waiting["Vary"] and 'id="cancel-button"' in html
    SolveRun.objects.filter(pk=run.pk).update(progress=0.42, phase="solve")
    assert 'style="width: 42%"' in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    tasks.solve_run(run.pk)
    done = client.get(url, HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert done.status_code == 286
    assert "hx-trigger" not in html.split(">")[0] and 'id="plan-view"' in html
    assert 'id="kpi-profit"' in html and 'id="comparison"' in html and 'id="heatmap"' in html
    assert 'id="plan-charts"' in html and 'id="explanations"' in html


def test_the_plan_view_shows_kpis_tables_comparison_and_explanations(client, sales, solved):
    client.force_login(sales)
    html = client.get(reverse("run_detail", args=[solved.pk])).content.decode()
    k = solved.kpis
    assert f"{k['profit']:,.0f}" in html
    for marker in ('id="kpi-header"', 'id="comparison-profit"', 'id="value-by-lever"', 'id="period-table"',
                   'id="family-table"', 'id="resource-table"', 'id="component-table"', "Channel allocation",
                   'data-channel="direct"', "vendor/echarts/echarts.min.js"):
        assert marker in html, marker
    assert solved.kpis["explanations"][0] in html
    assert 'id="cancel-button"' not in html and 'id="rerun-button"' not in html


def test_a_failed_run_shows_the_reason_and_a_rerun_button_to_planners_only(client, supply, sales, submit,
                                                                          monkeypatch):
    from optimizer import execution

    run = submit()
    monkeypatch.setattr(execution, "_engine_solve", lambda p, **kw: (_ for _ in ()).throw(RuntimeError("no memory")))
    tasks.solve_run(run.pk)
    client.force_login(supply)
    html = client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "RuntimeError: no memory" in html and 'id="rerun-button"' in html
    response = client.post(reverse("run_rerun", args=[run.pk]))
    new = SolveRun.objects.exclude(pk=run.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("run_detail", args=[new.pk])
    client.force_login(sales)
    assert 'id="rerun-button"' not in client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert client.post(reverse("run_rerun", args=[run.pk])).status_code == 403


def test_cancel_from_the_page_swaps_the_fragment(client, supply, submit):
    run = submit()
    client.force_login(supply)
    response = client.post(reverse("run_cancel", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 286 and "Cancelled by supply before it started." in response.content.decode()
    assert SolveRun.objects.get(pk=run.pk).status == "cancelled"


def test_sales_cannot_cancel_from_the_page(client, sales, submit):
    run = submit()
    client.force_login(sales)
    assert client.post(reverse("run_cancel", args=[run.pk]), HTTP_HX_REQUEST="true").status_code == 403
    assert SolveRun.objects.get(pk=run.pk).status == "queued"


def test_creating_a_scenario_with_levers_from_the_form(client, demand, cycle):
    client.force_login(demand)
    data = {
        "cycle": cycle.pk, "name": "E-com dip", "description": "Marketplace fees up",
        "levers-TOTAL_FORMS": "2", "levers-INITIAL_FORMS": "0", "levers-MIN_NUM_FORMS": "0", "levers-MAX_NUM_FORMS": "50",
        "levers-0-type": "demand_change", "levers-0-percent": "-20", "levers-0-channels": "ecommerce",
        "levers-0-from_period": "2027-03", "levers-0-to_period": "2027-05",
        "levers-1-type": "policy_change", "levers-1-min_fill_rate": "direct=0.95",
    }
    response = client.post(reverse("scenario_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    scenario = Scenario.objects.get(name="E-com dip")
    assert scenario.levers == [
        {"type": "demand_change", "from": "2027-03", "to": "2027-05", "percent": -20.0, "families": [],
         "channels": ["ecommerce"]},
        {"type": "policy_change", "min_fill_rate": {"direct": 0.95}},
    ]
    edit = client.get(reverse("scenario_edit", args=[scenario.pk])).content.decode()
    assert 'value="ecommerce"' in edit and 'value="direct=0.95"' in edit


def test_a_bad_lever_in_the_form_is_shown_on_its_row(client, supply, cycle):
    client.force_login(supply)
    data = {"cycle": cycle.pk, "name": "Broken", "levers-TOTAL_FORMS": "1", "levers-INITIAL_FORMS": "0",
            "levers-0-type": "capacity_change", "levers-0-resource": "LINE"}
    response = client.post(reverse("scenario_new"), data)
    assert response.status_code == 400
    assert "levers[0].percent: give a percent or hours" in response.content.decode()
    assert not Scenario.objects.exists()


def test_uploading_a_base_problem_and_a_stale_edit(client, supply, finance, cycle):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(supply)
    upload = SimpleUploadedFile("base.json", json.dumps(tiny()).encode(), content_type="application/json")
    client.post(reverse("scenario_new"), {"cycle": cycle.pk, "name": "Uploaded", "base_problem_file": upload,
                                          "levers-TOTAL_FORMS": "0", "levers-INITIAL_FORMS": "0"})
    scenario = Scenario.objects.get(name="Uploaded")
    assert scenario.base_problem == tiny()
    edit = {"cycle": cycle.pk, "name": "Renamed", "version": "1", "levers-TOTAL_FORMS": "0", "levers-INITIAL_FORMS": "0"}
    assert client.post(reverse("scenario_edit", args=[scenario.pk]), edit).status_code == 302
    client.force_login(finance)
    stale = client.post(reverse("scenario_edit", args=[scenario.pk]), {**edit, "name": "Mine"})
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()
    assert Scenario.objects.get(pk=scenario.pk).name == "Renamed"


def test_step_panels_show_the_latest_solve_and_the_comparison(client, personas, cycle, solved):
    sign_through(cycle, personas, "data_gathering", "demand_review")
    from tests.cycles.helpers import step

    client.force_login(personas["executive"])
    supply_step = step(cycle, "supply_review")
    page = client.get(reverse("step_detail", args=[cycle.pk, "supply_review"])).content.decode()
    assert reverse("supply_review_panel", args=[supply_step.pk]) in page
    panel = client.get(reverse("supply_review_panel", args=[supply_step.pk]), HTTP_HX_REQUEST="true")
    assert panel.status_code == 200 and f"#{solved.pk}" in panel.content.decode()
    pre = client.get(reverse("pre_sop_panel", args=[step(cycle, "pre_sop").pk]), HTTP_HX_REQUEST="true")
    assert 'id="compare-table"' in pre.content.decode() and "Base plan" in pre.content.decode()


def test_a_supply_planner_sees_a_todo_until_the_cycle_has_a_solved_plan(client, personas, cycle, scenario):
    sign_through(cycle, personas, "data_gathering", "demand_review")
    client.force_login(personas["supply_planner"])
    assert "Solve the supply plan of cycle 2027-01" in client.get(reverse("dashboard")).content.decode()
    run = services.solve_submit(actor=personas["supply_planner"], scenario=scenario)
    tasks.solve_run(run.pk)
    assert "Solve the supply plan" not in client.get(reverse("dashboard")).content.decode()


def test_the_nav_shows_scenarios_to_page_roles(client, sales, cycle):
    client.force_login(sales)
    assert 'href="/scenarios/"' in client.get(reverse("dashboard")).content.decode()


def test_query_counts_do_not_grow_with_scenarios_and_runs(client, supply, cycle, django_assert_max_num_queries):
    for i in range(6):
        s = services.scenario_create(actor=supply, cycle=cycle, name=f"S{i}", base_problem=tiny(),
                                     levers=[{"type": "demand_change", "percent": i}])
        tasks.solve_run(services.solve_submit(actor=supply, scenario=s).pk)
    runs = list(SolveRun.objects.values_list("pk", flat=True))
    client.force_login(supply)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("scenario_list") + f"?cycle={cycle.pk}").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("run_detail", args=[runs[0]])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("scenario_compare") + f"?cycle={cycle.pk}").status_code == 200


def test_unknown_objects_are_404(client, supply, cycle):
    client.force_login(supply)
    assert client.get(reverse("run_detail", args=[999])).status_code == 404
    assert client.get(reverse("scenario_detail", args=[999])).status_code == 404
    assert client.get(reverse("scenario_list") + "?cycle=999").status_code == 404
    assert client.get(reverse("supply_review_panel", args=[999])).status_code == 404
