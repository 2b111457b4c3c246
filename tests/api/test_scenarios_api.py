"""Scenarios CRUD: planners write, everyone with a role reads; edits need If-Match (428/412)."""
import pytest

from cycles.models import Event
from optimizer.models import Scenario
from tests.optimizer.helpers import tiny

ROLES = ["process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive", "integration", "outsider"]
EDITORS = {"process_owner", "demand_planner", "supply_planner", "finance"}
LEVER = {"type": "supplier_failure", "component": "DIE", "option": "spot", "from": "2027-02", "to": "2027-03"}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_create_a_scenario(api, personas, cycle, role):
    response = api(personas[role]).post("/api/v1/scenarios/", {"cycle": cycle.pk, "name": "Spot out", "levers": [LEVER]},
                                        format="json")
    assert response.status_code == (201 if role in EDITORS else 403), response.json()
    assert Scenario.objects.exists() == (role in EDITORS)


def test_create_read_describe_and_etag(api, supply, executive, cycle):
    created = api(supply).post("/api/v1/scenarios/", {"cycle": cycle.pk, "name": "Spot out", "levers": [LEVER],
                                                      "base_problem": tiny()}, format="json")
    assert created.status_code == 201 and created["ETag"] == '"1"'
    body = api(executive).get(f"/api/v1/scenarios/{created.json()['id']}/").json()
    assert body["levers_described"] == ["Supplier failure: DIE/spot delivers nothing, 2027-02..2027-03"]
    assert body["has_base_problem"] is True and body["cycle_label"] == "2027-01"
    assert Event.objects.filter(verb="scenario.created").exists()


def test_bad_levers_get_400_with_the_lever_path(api, supply, cycle):
    response = api(supply).post("/api/v1/scenarios/", {"cycle": cycle.pk, "name": "x",
                                                       "levers": [LEVER, {"type": "demand_change"}]}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "levers[1].percent: required"
    assert response.json()["extra"]["path"] == "levers[1].percent"


def test_a_bad_base_problem_names_its_path(api, supply, cycle):
    doc = tiny()
    doc["channels"][0]["min_fill_rate"] = 2
    response = api(supply).post("/api/v1/scenarios/", {"cycle": cycle.pk, "name": "x", "base_problem": doc},
                                format="json")
    assert response.status_code == 400 and response.json()["message"].startswith("base_problem.channels[0].min_fill_rate")


def test_duplicate_names_in_a_cycle_are_409(api, supply, cycle):
    client = api(supply)
    assert client.post("/api/v1/scenarios/", {"cycle": cycle.pk, "name": "A"}, format="json").status_code == 201
    assert client.post("/api/v1/scenarios/", {"cycle": cycle.pk, "name": "A"}, format="json").status_code == 409


def test_edits_need_the_current_version(api, supply, finance, scenario):
    url = f"/api/v1/scenarios/{scenario.pk}/"
    missing = api(supply).patch(url, {"levers": [LEVER]}, format="json")
    assert missing.status_code == 428
    ok = api(supply).patch(url, {"levers": [LEVER]}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok["ETag"] == '"2"' and ok.json()["levers"][0]["option"] == "spot"
    stale = api(finance).patch(url, {"name": "Renamed"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.json()["extra"]["version"] == 2
    assert Scenario.objects.get(pk=scenario.pk).name == "Base plan"
    event = Event.objects.filter(verb="scenario.changed").get()
    assert event.before["levers"] == [] and event.after["levers"][0]["type"] == "supplier_failure"


@pytest.mark.parametrize("role", ["sales", "executive", "integration"])
def test_readers_cannot_change_or_delete(api, personas, scenario, role):
    client = api(personas[role])
    assert client.get(f"/api/v1/scenarios/{scenario.pk}/").status_code == 200
    assert client.patch(f"/api/v1/scenarios/{scenario.pk}/", {"name": "x"}, format="json",
                        HTTP_IF_MATCH='"1"').status_code == 403
    assert client.delete(f"/api/v1/scenarios/{scenario.pk}/").status_code == 403


def test_outsiders_cannot_read_scenarios(api, outsider, scenario):
    assert api(outsider).get("/api/v1/scenarios/").status_code == 403


def test_a_scenario_with_runs_cannot_be_deleted(api, supply, scenario, submit):
    from optimizer import services

    services.solve_submit(actor=supply, scenario=scenario)
    assert api(supply).delete(f"/api/v1/scenarios/{scenario.pk}/").status_code == 409
    empty = services.scenario_create(actor=supply, cycle=scenario.cycle, name="Empty")
    assert api(supply).delete(f"/api/v1/scenarios/{empty.pk}/").status_code == 204
    assert not Scenario.objects.filter(pk=empty.pk).exists()


def test_list_filters_by_cycle_with_bounded_queries(api, supply, cycle, django_assert_max_num_queries):
    from optimizer import services

    for i in range(8):
        services.scenario_create(actor=supply, cycle=cycle, name=f"S{i}", levers=[LEVER])
    with django_assert_max_num_queries(8):
        body = api(supply).get(f"/api/v1/scenarios/?cycle={cycle.pk}").json()
    assert body["count"] == 8
