"""What each page shows, the htmx swaps, and query-count guards on the lists."""
import pytest
from django.urls import reverse

from cycles import services
from tests.cycles.helpers import sign_through, step


def test_dashboard_shows_the_timeline_my_tasks_and_history(client, owner, cycle):
    client.force_login(owner)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Cycle 2027-01" in html
    assert 'data-step="data_gathering" data-state="' in html
    assert "Sign off Data gathering of cycle 2027-01" in html
    assert "cycle.opened" in html


def test_my_tasks_lists_only_what_the_user_can_sign(client, personas, cycle):
    sign_through(cycle, personas, "data_gathering")
    client.force_login(personas["sales"])
    html = client.get(reverse("dashboard")).content.decode()
    assert "Sign off Demand review of cycle 2027-01" in html
    client.force_login(personas["finance"])
    assert "Nothing is waiting for you" in client.get(reverse("dashboard")).content.decode()


def test_the_step_page_shows_buttons_only_to_those_who_may_use_them(client, personas, cycle):
    sign_through(cycle, personas, "data_gathering")
    url = reverse("step_detail", args=[cycle.pk, "demand_review"])
    client.force_login(personas["sales"])
    html = client.get(url).content.decode()
    assert "Sign off as sales" in html and 'data-action="send-back"' in html
    assert 'data-action="reopen"' not in html
    client.force_login(personas["finance"])
    html = client.get(url).content.decode()
    assert 'data-action="sign"' not in html and 'data-action="send-back"' not in html
    client.force_login(personas["process_owner"])
    html = client.get(reverse("step_detail", args=[cycle.pk, "data_gathering"])).content.decode()
    assert 'data-action="reopen"' in html


def test_htmx_sign_off_returns_the_fragment_and_triggers_a_refresh(client, owner, cycle):
    client.force_login(owner)
    response = client.post(reverse("step_action", args=[cycle.pk, "data_gathering", "sign"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "step-changed"
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="signoff"')
    assert "<html" not in html
    assert step(cycle, "data_gathering").status == "signed_off"


def test_send_back_without_comment_shows_the_error_in_place(client, personas, cycle):
    sign_through(cycle, personas, "data_gathering")
    client.force_login(personas["sales"])
    response = client.post(
        reverse("step_action", args=[cycle.pk, "demand_review", "send-back"]), {"comment": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "needs a comment" in response.content.decode()
    assert step(cycle, "demand_review").status == "open"


def test_a_plain_form_post_redirects_back_with_a_message(client, owner, cycle):
    client.force_login(owner)
    response = client.post(reverse("step_action", args=[cycle.pk, "data_gathering", "sign"]), follow=True)
    assert response.redirect_chain[-1][0].endswith("/data_gathering/")
    assert "is signed off" in response.content.decode()


def test_opening_a_cycle_from_the_page(client, owner):
    client.force_login(owner)
    form = client.get(reverse("cycle_open"))
    assert form.status_code == 200
    response = client.post(reverse("cycle_open"), {"label": "2027-04", "horizon_months": 18})
    assert response.status_code == 302
    duplicate = client.post(reverse("cycle_open"), {"label": "2027-04", "horizon_months": 18})
    assert duplicate.status_code == 400
    assert "already open" in duplicate.content.decode()


def test_a_bad_label_on_the_page_names_the_field(client, owner):
    client.force_login(owner)
    response = client.post(reverse("cycle_open"), {"label": "2027-13", "horizon_months": 24})
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_unknown_step_kind_is_404_not_500(client, owner, cycle):
    client.force_login(owner)
    assert client.get(f"/cycles/{cycle.pk}/nonsense/").status_code == 404
    assert client.get("/cycles/999999/data_gathering/").status_code == 404
    assert client.post(f"/cycles/{cycle.pk}/data_gathering/fly/").status_code == 404


def test_history_page_filters_by_verb_and_cycle(client, personas, cycle):
    sign_through(cycle, personas, "data_gathering")
    client.force_login(personas["finance"])
    html = client.get(reverse("history"), {"verb": "step.signed_off", "cycle": cycle.pk}).content.decode()
    assert "step.signed_off" in html and "cycle.opened" not in html


def test_the_calendar_form_saves_and_refuses_backward_dates(client, owner, cycle):
    client.force_login(owner)
    data = {f"due_{s.kind}": s.due_date.isoformat() for s in cycle.steps.all()}
    data["executive_meeting_date"] = "2027-01-25"
    data["due_follow_up"] = "2027-01-30"
    client.post(reverse("cycle_calendar", args=[cycle.pk]), data)
    assert step(cycle, "follow_up").due_date.isoformat() == "2027-01-30"
    data["due_supply_review"] = "2027-01-01"
    response = client.post(reverse("cycle_calendar", args=[cycle.pk]), data, follow=True)
    assert "steps run in order" in response.content.decode()
    assert step(cycle, "supply_review").due_date.isoformat() != "2027-01-01"


def _many_cycles(owner, n):
    for month in range(1, n + 1):
        services.cycle_open(actor=owner, label=f"2028-{month:02d}")


def test_cycle_list_and_dashboard_query_counts_do_not_grow_with_cycles(client, owner, django_assert_max_num_queries):
    _many_cycles(owner, 8)
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        client.get(reverse("cycle_list"))
    with django_assert_max_num_queries(20):
        client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        client.get(reverse("history"))


@pytest.mark.parametrize("url", ["/api/v1/cycles/", "/api/v1/steps/", "/api/v1/events/", "/api/v1/signoffs/"])
def test_api_list_query_counts_are_bounded(api, owner, url, django_assert_max_num_queries):
    _many_cycles(owner, 6)
    with django_assert_max_num_queries(10):
        assert api(owner).get(url).status_code == 200
