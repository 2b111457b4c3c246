"""Role x action through both doors, pages and API: allowed moves succeed, others get 403 (never 500)."""
import pytest
from django.urls import reverse

from cycles.models import SignOff
from tests.cycles.helpers import sign_through, step

ROLES = ["process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive", "integration", "outsider"]
PAGE_ROLES = {"process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive"}

# Which role may sign which step (one required role each for the single-signer steps).
SIGNERS = {
    "data_gathering": {"process_owner"},
    "demand_review": {"demand_planner", "sales"},
    "supply_review": {"supply_planner"},
    "pre_sop": {"demand_planner", "supply_planner", "finance"},
    "executive": {"executive"},
    "follow_up": {"process_owner"},
}
ORDER = list(SIGNERS)


def _open_step(cycle, personas, kind):
    sign_through(cycle, personas, *ORDER[: ORDER.index(kind)])
    return step(cycle, kind)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page_name", ["dashboard", "cycle_list", "history"])
def test_pages_open_for_page_roles_and_refuse_others(client, personas, role, page_name):
    client.force_login(personas[role])
    response = client.get(reverse(page_name))
    assert response.status_code == (200 if role in PAGE_ROLES else 403)


@pytest.mark.parametrize("role", ROLES)
def test_step_page_opens_for_page_roles_and_refuses_others(client, personas, cycle, role):
    client.force_login(personas[role])
    response = client.get(reverse("step_detail", args=[cycle.pk, "demand_review"]))
    assert response.status_code == (200 if role in PAGE_ROLES else 403)


def test_anonymous_users_are_sent_to_log_in(client, cycle):
    response = client.get(reverse("step_detail", args=[cycle.pk, "data_gathering"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_process_owner_opens_a_cycle_page_and_api(client, api, personas, role):
    client.force_login(personas[role])
    page = client.post(reverse("cycle_open"), {"label": "2027-05", "horizon_months": 24})
    api_response = api(personas[role]).post("/api/v1/cycles/", {"label": "2027-06"}, format="json")
    if role == "process_owner":
        assert page.status_code == 302 and api_response.status_code == 201
    else:
        assert page.status_code == 403 and api_response.status_code == 403


@pytest.mark.parametrize("kind", ORDER)
@pytest.mark.parametrize("role", ROLES)
def test_sign_through_the_api_follows_the_role_matrix(api, personas, cycle, kind, role):
    target = _open_step(cycle, personas, kind)
    response = api(personas[role]).post(f"/api/v1/steps/{target.pk}/sign/", {"role": None}, format="json")
    if role in SIGNERS[kind]:
        assert response.status_code == 200, response.json()
        assert SignOff.objects.filter(step=target, user=personas[role], voided_at__isnull=True).exists()
    else:
        assert response.status_code == 403, response.json()
        assert "message" in response.json()
        assert not SignOff.objects.filter(step=target, voided_at__isnull=True).exists()


@pytest.mark.parametrize("kind", ["data_gathering", "demand_review", "pre_sop"])
@pytest.mark.parametrize("role", ROLES)
def test_sign_through_the_page_follows_the_role_matrix(client, personas, cycle, kind, role):
    target = _open_step(cycle, personas, kind)
    client.force_login(personas[role])
    response = client.post(
        reverse("step_action", args=[cycle.pk, kind, "sign"]), {"role": ""}, HTTP_HX_REQUEST="true"
    )
    if role not in PAGE_ROLES:
        assert response.status_code == 403
    elif role in SIGNERS[kind]:
        assert response.status_code == 200
        assert b"signoff-notice" in response.content
    else:
        assert response.status_code == 403
        assert b"signoff-error" in response.content
    live = SignOff.objects.filter(step=target, voided_at__isnull=True)
    assert live.exists() == (role in SIGNERS[kind] and role in PAGE_ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_reopen_is_the_process_owners_alone_page_and_api(client, api, personas, cycle, role):
    sign_through(cycle, personas, "data_gathering")
    target = step(cycle, "data_gathering")
    api_response = api(personas[role]).post(f"/api/v1/steps/{target.pk}/reopen/", {"comment": "redo"}, format="json")
    expected = 200 if role == "process_owner" else 403
    assert api_response.status_code == expected
    if role != "process_owner":
        client.force_login(personas[role])
        page = client.post(
            reverse("step_action", args=[cycle.pk, "data_gathering", "reopen"]), {"comment": "redo"},
            HTTP_HX_REQUEST="true",
        )
        assert page.status_code == 403
        assert step(cycle, "data_gathering").status == "signed_off"


@pytest.mark.parametrize("role", ROLES)
def test_send_back_is_for_required_signers_only(api, personas, cycle, role):
    target = _open_step(cycle, personas, "demand_review")
    response = api(personas[role]).post(f"/api/v1/steps/{target.pk}/send-back/", {"comment": "too low"}, format="json")
    assert response.status_code == (200 if role in SIGNERS["demand_review"] else 403)


@pytest.mark.parametrize("role", ROLES)
def test_reading_the_api_needs_an_sop_role(api, personas, cycle, role):
    for url in ("/api/v1/cycles/", "/api/v1/steps/", "/api/v1/signoffs/", "/api/v1/events/"):
        response = api(personas[role]).get(url)
        assert response.status_code == (403 if role == "outsider" else 200), url


def test_the_api_refuses_anonymous_callers_with_401(api, cycle):
    response = api(None).get("/api/v1/cycles/")
    assert response.status_code == 401
    assert response.json()["message"]
