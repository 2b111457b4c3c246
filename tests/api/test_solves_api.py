"""POST /api/v1/solves/ -> 202 with the run; status, plan, problem, comparison, cancel, re-run."""
import json

import pytest

from optimizer import services, tasks
from optimizer.models import SolveRun
from tests.optimizer.helpers import tiny

ROLES = ["process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive", "integration", "outsider"]
SUBMITTERS = {"process_owner", "demand_planner", "supply_planner", "finance", "integration"}


def post(client, body, **extra):
    return client.post("/api/v1/solves/", body, format="json", **extra)


def test_posting_a_problem_document_returns_202_with_the_queued_run(api, integration):
    response = post(api(integration), {"problem": tiny(), "time_limit": 20, "baseline": True})
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["progress"] == 0 and body["created_by"] == "erp"
    assert response["Location"] == f"/api/v1/solves/{body['id']}/"
    assert body["links"]["plan"] == f"/api/v1/solves/{body['id']}/plan/"
    assert body["problem_sha256"] == services.problem_sha256(tiny())


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_a_solve(api, personas, role):
    response = post(api(personas[role]), {"problem": tiny()})
    assert response.status_code == (202 if role in SUBMITTERS else 403), response.json()
    assert ("message" in response.json()) == (role not in SUBMITTERS)
    assert SolveRun.objects.exists() == (role in SUBMITTERS)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_runs(api, personas, role, submit):
    run = submit()
    response = api(personas[role]).get(f"/api/v1/solves/{run.pk}/")
    assert response.status_code == (403 if role == "outsider" else 200)


def test_anonymous_callers_get_401(api, submit):
    assert api().get("/api/v1/solves/").status_code == 401
    assert post(api(), {"problem": tiny()}).status_code == 401


def test_an_invalid_document_gets_400_naming_the_path_and_stores_nothing(api, supply):
    doc = tiny()
    doc["demand"][3]["family"] = "FPGA-Z"
    response = post(api(supply), {"problem": doc})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "problem.demand[3].family: unknown family 'FPGA-Z'"
    assert body["extra"]["path"] == "problem.demand[3].family"
    assert not SolveRun.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({}, "problem"),
    ({"problem": tiny(), "scenario": 1}, "scenario"),
    ({"problem": [1, 2]}, "problem"),
    ({"problem": tiny(), "time_limit": -5}, "time_limit"),
    ({"problem": tiny(), "gap": 3}, "gap"),
    ({"scenario": 987654}, "scenario"),
    ({"problem": {"format": "sop-problem/1"}}, "problem.periods"),
])
def test_bad_bodies_get_400_naming_the_field(api, supply, body, field):
    response = post(api(supply), body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["message"]
    assert not SolveRun.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_parsed(api, supply, settings):
    settings.OPTIMIZER = {"MAX_PROBLEM_BYTES": 1000}
    doc = tiny()
    doc["description"] = "x" * 200_000
    response = post(api(supply), {"problem": doc})
    assert response.status_code == 413
    assert "problem documents of at most 1,000 bytes" in response.json()["message"]
    assert not SolveRun.objects.exists()


def test_status_then_plan_problem_and_comparison(api, executive, submit):
    run = submit()
    client = api(executive)
    assert client.get(f"/api/v1/solves/{run.pk}/plan/").status_code == 409
    assert client.get(f"/api/v1/solves/{run.pk}/comparison/").status_code == 409
    problem = client.get(f"/api/v1/solves/{run.pk}/problem/")
    assert problem.status_code == 200 and problem.json() == tiny()
    assert problem["ETag"] == f'"{run.problem_sha256}"'
    tasks.solve_run(run.pk)
    status = client.get(f"/api/v1/solves/{run.pk}/").json()
    assert status["status"] == "succeeded" and status["progress"] == 1 and status["seconds"] >= 0
    assert status["kpis"]["profit"] > 0 and "traceback" not in status["stats"]
    plan = client.get(f"/api/v1/solves/{run.pk}/plan/")
    assert plan.status_code == 200 and plan.json()["format"] == "sop-plan/1"
    comparison = client.get(f"/api/v1/solves/{run.pk}/comparison/").json()
    assert comparison["value"] == pytest.approx(comparison["single_pass"]["profit"] - comparison["sequential"]["profit"])
    assert set(comparison["by_lever"]) >= {"channel_allocation", "procurement", "capacity_and_build_ahead"}


def test_a_run_solved_without_the_baseline_has_no_comparison(api, supply, submit):
    run = submit(baseline=False)
    tasks.solve_run(run.pk)
    response = api(supply).get(f"/api/v1/solves/{run.pk}/comparison/")
    assert response.status_code == 409 and "without the sequential baseline" in response.json()["message"]


def test_unknown_runs_are_404(api, supply):
    for url in ["/api/v1/solves/999/", "/api/v1/solves/999/plan/", "/api/v1/solves/999/problem/",
                "/api/v1/solves/999/comparison/"]:
        assert api(supply).get(url).status_code == 404, url
    assert api(supply).post("/api/v1/solves/999/cancel/").status_code == 404


def test_cancel_and_rerun_through_the_api(api, supply, submit):
    run = submit()
    client = api(supply)
    cancelled = client.post(f"/api/v1/solves/{run.pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/solves/{run.pk}/cancel/").status_code == 409
    again = client.post(f"/api/v1/solves/{run.pk}/rerun/")
    assert again.status_code == 202 and again.json()["rerun_of"] == run.pk and again.json()["status"] == "queued"
    assert client.post(f"/api/v1/solves/{again.json()['id']}/rerun/").status_code == 409


@pytest.mark.parametrize("role", ROLES)
def test_who_may_cancel_someone_elses_run(api, personas, role, submit):
    run = submit()  # submitted by the supply planner
    response = api(personas[role]).post(f"/api/v1/solves/{run.pk}/cancel/")
    allowed = role in {"process_owner", "demand_planner", "supply_planner", "finance"}
    assert response.status_code == (200 if allowed else 403)
    assert SolveRun.objects.get(pk=run.pk).status == ("cancelled" if allowed else "queued")


def test_integration_manages_its_own_runs(api, integration):
    client = api(integration)
    run_id = post(client, {"problem": tiny()}).json()["id"]
    assert client.post(f"/api/v1/solves/{run_id}/cancel/").status_code == 200
    assert client.post(f"/api/v1/solves/{run_id}/rerun/").status_code == 202


def test_list_filters_and_query_count(api, supply, submit, django_assert_max_num_queries):
    runs = [submit() for _ in range(6)]
    tasks.solve_run(runs[0].pk)
    client = api(supply)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/solves/").json()
    assert body["count"] == 6
    assert client.get("/api/v1/solves/?status=succeeded").json()["count"] == 1
    assert client.get("/api/v1/solves/?adhoc=true").json()["count"] == 6


def test_compare_several_runs(api, supply, submit):
    a, b = submit(), submit(problem=tiny(name="other"))
    tasks.solve_run(a.pk)
    tasks.solve_run(b.pk)
    body = api(supply).get(f"/api/v1/solves/compare/?runs={a.pk},{b.pk}").json()
    assert [r["id"] for r in body["runs"]] == [a.pk, b.pk] and body["runs"][0]["kpis"]["profit"] > 0
    assert api(supply).get("/api/v1/solves/compare/?runs=1;drop").status_code == 400
    assert api(supply).get("/api/v1/solves/compare/?runs=999999").status_code == 400


def test_a_scenario_id_is_solved_with_its_levers(api, supply, scenario):
    services.scenario_update(actor=supply, scenario=scenario, version=1,
                             levers=[{"type": "demand_change", "percent": 10}])
    response = post(api(supply), {"scenario": scenario.pk})
    assert response.status_code == 202
    body = response.json()
    assert body["scenario"] == scenario.pk and body["cycle"] == scenario.cycle_id
    assert body["levers"][0]["type"] == "demand_change"


def test_the_schema_lists_the_solve_endpoints(api, supply):
    schema = api(supply).get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert {"/api/v1/solves/", "/api/v1/solves/{id}/plan/", "/api/v1/solves/{id}/cancel/",
            "/api/v1/scenarios/{id}/"} <= set(paths)


@pytest.mark.parametrize("url", ["/api/v1/solves/?cycle=-1.3e19", "/api/v1/solves/?scenario=99999999999999999999",
                                 "/api/v1/scenarios/?cycle=1.5", "/api/v1/solves/?status=exploded"])
def test_out_of_range_filters_are_400_not_500(api, supply, url):
    response = api(supply).get(url)
    assert response.status_code == 400 and "message" in response.json()
