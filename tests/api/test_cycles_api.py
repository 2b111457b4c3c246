import re

from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cycles.models import Cycle, Event
from tests.cycles.helpers import sign_through, step


def test_open_a_cycle_through_the_api(api, owner):
    response = api(owner).post(
        "/api/v1/cycles/",
        {"label": "2027-02", "executive_meeting_date": "2027-02-24", "horizon_months": 30,
         "due_dates": {"pre_sop": "2027-02-20"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["label"] == "2027-02" and body["horizon_months"] == 30
    assert [s["status"] for s in body["steps"]][:2] == ["open", "pending"]
    assert len(body["periods"]) == 30


def test_bad_cycle_input_names_the_field_and_stores_nothing(api, owner):
    response = api(owner).post("/api/v1/cycles/", {"label": "2027-13", "horizon_months": 99}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "label" in body["message"] and "horizon_months" in body["message"]
    assert set(body["extra"]["fields"]) == {"label", "horizon_months"}
    bad_step = api(owner).post("/api/v1/cycles/", {"label": "2027-03", "due_dates": {"lunch": "2027-03-02"}}, format="json")
    assert bad_step.status_code == 400 and "lunch" in bad_step.json()["message"]
    assert not Cycle.objects.exists()


def test_non_json_and_garbage_bodies_get_4xx(api, owner):
    client = api(owner)
    assert client.post("/api/v1/cycles/", "not json", content_type="application/json").status_code == 400
    assert client.post("/api/v1/cycles/", [1, 2], format="json").status_code == 400
    assert client.post("/api/v1/cycles/", {"label": None}, format="json").status_code == 400


def test_a_duplicate_open_cycle_is_409(api, owner, cycle):
    response = api(owner).post("/api/v1/cycles/", {"label": "2027-01"}, format="json")
    assert response.status_code == 409
    assert "already open" in response.json()["message"]


def test_sign_send_back_and_reopen_through_the_api(api, personas, cycle):
    owner, sales, demand = personas["process_owner"], personas["sales"], personas["demand_planner"]
    first = step(cycle, "data_gathering")
    assert api(owner).post(f"/api/v1/steps/{first.pk}/sign/", {}, format="json").json()["status"] == "signed_off"
    review = step(cycle, "demand_review")
    signed = api(demand).post(f"/api/v1/steps/{review.pk}/sign/", {"comment": "baseline + 2 overrides"}, format="json")
    assert signed.json()["signed_roles"] == {"demand_planner": "demand"}
    assert signed.json()["missing_roles"] == ["sales"]
    no_comment = api(sales).post(f"/api/v1/steps/{review.pk}/send-back/", {}, format="json")
    assert no_comment.status_code == 400 and "needs a comment" in no_comment.json()["message"]
    sent = api(sales).post(f"/api/v1/steps/{review.pk}/send-back/", {"comment": "ACME deal missing"}, format="json")
    assert sent.status_code == 200 and sent.json()["status"] == "sent_back" and sent.json()["signed_roles"] == {}
    reopen = api(owner).post(f"/api/v1/steps/{first.pk}/reopen/", {"comment": "late shipments file"}, format="json")
    assert reopen.status_code == 200 and reopen.json()["status"] == "open"
    assert step(cycle, "demand_review").status == "pending"


def test_signing_for_a_role_the_user_does_not_hold_is_403(api, personas, cycle):
    first = step(cycle, "data_gathering")
    response = api(personas["process_owner"]).post(f"/api/v1/steps/{first.pk}/sign/", {"role": "executive"}, format="json")
    assert response.status_code == 400  # executive does not sign data gathering
    response = api(personas["process_owner"]).post(f"/api/v1/steps/{first.pk}/sign/", {"role": "wizard"}, format="json")
    assert response.status_code == 400 and "role" in response.json()["message"]


def test_signing_a_pending_step_is_409(api, personas, cycle):
    later = step(cycle, "supply_review")
    response = api(personas["supply_planner"]).post(f"/api/v1/steps/{later.pk}/sign/", {}, format="json")
    assert response.status_code == 409 and "not open yet" in response.json()["message"]


def test_events_are_queryable_by_cycle_verb_and_actor(api, personas, cycle):
    sign_through(cycle, personas, "data_gathering")
    client = api(personas["finance"])
    body = client.get("/api/v1/events/", {"cycle": cycle.pk, "verb": "step.signed"}).json()
    verbs = sorted(e["verb"] for e in body["results"])
    assert verbs == ["step.signed", "step.signed_off"]
    by_actor = client.get("/api/v1/events/", {"actor": "owner"}).json()
    assert by_actor["count"] == Event.objects.filter(actor_label="owner").count()
    assert client.get("/api/v1/events/", {"since": "not-a-date"}).status_code == 400


def test_events_cannot_be_changed_through_the_api(api, owner, cycle):
    event = Event.objects.first()
    client = api(owner)
    assert client.delete(f"/api/v1/events/{event.pk}/").status_code == 405
    assert client.patch(f"/api/v1/events/{event.pk}/", {"comment": "x"}, format="json").status_code == 405


def test_signoffs_list_includes_voided_ones_with_their_reason(api, personas, cycle):
    sign_through(cycle, personas, "data_gathering")
    api(personas["process_owner"]).post(
        f"/api/v1/steps/{step(cycle, 'data_gathering').pk}/reopen/", {"comment": "fix inventory"}, format="json"
    )
    rows = api(personas["finance"]).get("/api/v1/signoffs/", {"cycle": cycle.pk}).json()["results"]
    assert rows[0]["live"] is False and "fix inventory" in rows[0]["void_reason"]
    live = api(personas["finance"]).get("/api/v1/signoffs/", {"cycle": cycle.pk, "live": "true"}).json()
    assert live["count"] == 0


def test_token_auth_with_drf_create_token(owner, cycle, capsys):
    call_command("drf_create_token", "owner")
    token = Token.objects.get(user=owner).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cycles/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/v1/cycles/").status_code == 401


def test_openapi_schema_and_docs_are_served_without_a_cdn(client, owner):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"/api/v1/steps/{id}/sign/" in schema.content
    client.force_login(owner)
    docs = client.get("/api/v1/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs
    assert not re.search(r"https?://(cdn|unpkg|fastly|jsdelivr)", docs)
