"""Ids beyond the database's integer range are a 404 (URL) or a 400 (filter), never a 500."""
import pytest

HUGE = "9" * 30


@pytest.mark.parametrize("url", [
    f"/cycles/{HUGE}/", f"/cycles/{HUGE}/data_gathering/", f"/api/v1/cycles/{HUGE}/", f"/api/v1/steps/{HUGE}/",
    f"/api/v1/events/{HUGE}/", f"/api/v1/solves/{HUGE}/", f"/api/v1/imports/{HUGE}/",
])
def test_huge_ids_in_urls_are_not_found(client, owner, url):
    client.force_login(owner)
    # /api/v1/imports/<digits>/ falls through to the import-kind route, which only takes POST.
    assert client.get(url).status_code in (404, 405)


@pytest.mark.parametrize("url", [
    "/api/v1/events/?cycle=", "/api/v1/steps/?cycle=", "/api/v1/signoffs/?step=", "/api/v1/solves/?cycle=",
])
def test_huge_ids_in_filters_are_refused(api, owner, url):
    assert api(owner).get(url + HUGE).status_code == 400


def test_a_huge_year_filter_on_the_budget_is_not_a_server_error(client, owner):
    client.force_login(owner)
    assert client.get("/catalog/budget/?year=" + HUGE).status_code < 500
