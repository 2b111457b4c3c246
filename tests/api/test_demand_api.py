"""Demand API: baselines, runs, overrides with If-Match, assumptions and their review, the
consensus as JSON and CSV, accuracy; who may do what."""
import pytest

from cycles import services as cycle_services
from reviews.models import Assumption, Override
from tests.cycles.helpers import sign_through
from tests.reviews.demand_helpers import catalog, history, install_baseline, open_demand_review

pytestmark = pytest.mark.django_db
API = "/api/v1/demand"
NEW = {"category": "new_customer", "text": "ACME design win +15% direct Kintex from 2027-03"}


@pytest.fixture
def setup(cycle, personas):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100, (fams["AX"], chans["WEB"]): 40})
    return cycle, fams, chans


def create(api, user, cycle, **extra):
    body = {"cycle": cycle.pk, "family": "KX", "channel": "DIR", "period": "2027-03", "kind": "percent",
            "value": "15", "new_assumption": NEW, **extra}
    return api(user).post(f"{API}/overrides/", body, format="json")


def test_create_read_update_and_remove_an_override(setup, api, sales, demand):
    cycle, fams, chans = setup
    r = create(api, sales, cycle)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["quantity"], body["effect"], body["version"]) == ("115.000", "15.000", 1)
    assert r["ETag"] == '"1"' and body["assumption"]["text"] == NEW["text"]
    oid = body["id"]
    got = api(demand).get(f"{API}/overrides/{oid}/")
    assert got.status_code == 200 and got["ETag"] == '"1"'
    r = api(demand).patch(f"{API}/overrides/{oid}/", {"value": "20"}, format="json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200, r.json()
    assert (r.json()["quantity"], r.json()["version"]) == ("120.000", 2)
    r = api(demand).delete(f"{API}/overrides/{oid}/", {"reason": "Win postponed to 2028"}, format="json",
                           HTTP_IF_MATCH='"2"')
    assert r.status_code == 200 and r.json()["deleted"] is True
    assert Override.objects.get(pk=oid).delete_reason == "Win postponed to 2028"


def test_update_with_a_stale_version_is_412_and_without_one_428(setup, api, sales, demand):
    cycle, fams, chans = setup
    oid = create(api, sales, cycle).json()["id"]
    assert api(demand).patch(f"{API}/overrides/{oid}/", {"value": "20"}, format="json",
                             HTTP_IF_MATCH='"1"').status_code == 200
    stale = api(sales).patch(f"{API}/overrides/{oid}/", {"value": "30"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["extra"]["version"] == 2 and stale.json()["extra"]["current"]["value"] == "20.0000"
    missing = api(sales).patch(f"{API}/overrides/{oid}/", {"value": "30"}, format="json")
    assert missing.status_code == 428
    put_missing = api(sales).put(f"{API}/overrides/{oid}/", {"kind": "absolute", "value": "5"}, format="json")
    assert put_missing.status_code == 428
    assert Override.objects.get(pk=oid).value == 20


def test_delete_needs_a_reason(setup, api, sales):
    cycle, fams, chans = setup
    oid = create(api, sales, cycle).json()["id"]
    r = api(sales).delete(f"{API}/overrides/{oid}/")
    assert r.status_code == 400 and "reason" in r.json()["message"]
    r = api(sales).delete(f"{API}/overrides/{oid}/?reason=Duplicate+of+A2")
    assert r.status_code == 200


def test_an_override_needs_an_assumption(setup, api, sales):
    cycle, fams, chans = setup
    r = create(api, sales, cycle, new_assumption=None)
    assert r.status_code == 400 and "assumption" in r.json()["message"]
    a = api(sales).post(f"{API}/assumptions/", {"cycle": cycle.pk, "category": "promotion",
                                                "text": "E-commerce promotion in Q4"}, format="json").json()
    r = create(api, sales, cycle, new_assumption=None, assumption=a["id"], channel="WEB", family="AX",
               kind="absolute", value="60")
    assert r.status_code == 201 and r.json()["assumption"]["ref"] == a["ref"]


def test_consensus_as_json_and_csv_for_the_erp(setup, api, integration, sales):
    cycle, fams, chans = setup
    create(api, sales, cycle)
    r = api(integration).get(f"{API}/cycles/{cycle.pk}/consensus/")
    assert r.status_code == 200
    data = r.json()
    assert len(data["rows"]) == 48 and data["frozen"] is False
    kx = [row for row in data["rows"] if row["family"] == "KX" and row["period"] == "2027-03"][0]
    assert (kx["quantity"], kx["price"], kx["revenue"]) == ("115.000", "100.0000", "11500.00")
    r = api(integration).get(f"{API}/cycles/{cycle.pk}/consensus/?format=csv&family=KX")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    lines = r.content.decode().splitlines()
    assert lines[0] == "family,channel,period,baseline,quantity,price,revenue,version"
    assert len(lines) == 25 and "KX,DIR,2027-03,100.000,115.000,100.0000,11500.00," in r.content.decode()


def test_integration_reads_the_consensus_only(setup, api, integration):
    cycle, fams, chans = setup
    for url in (f"{API}/overrides/", f"{API}/assumptions/", f"{API}/baselines/", f"{API}/runs/",
                f"{API}/cycles/{cycle.pk}/accuracy/"):
        assert api(integration).get(url).status_code == 403, url


def test_outsider_and_anonymous_are_refused_everywhere(setup, api, outsider):
    cycle, fams, chans = setup
    for url in (f"{API}/overrides/", f"{API}/assumptions/", f"{API}/baselines/", f"{API}/runs/",
                f"{API}/cycles/{cycle.pk}/consensus/", f"{API}/cycles/{cycle.pk}/accuracy/"):
        assert api(outsider).get(url).status_code == 403, url
        assert api(None).get(url).status_code == 401, url


@pytest.mark.parametrize("role", ["finance", "supply_planner", "executive", "process_owner"])
def test_read_only_roles_cannot_write(setup, api, personas, role):
    cycle, fams, chans = setup
    assert create(api, personas[role], cycle).status_code == 403
    r = api(personas[role]).post(f"{API}/assumptions/", {"cycle": cycle.pk, "category": "other",
                                                        "text": "Anything long enough"}, format="json")
    assert r.status_code == 403
    assert api(personas[role]).get(f"{API}/overrides/").status_code == 200


def test_baselines_list_filters(setup, api, finance, django_assert_max_num_queries):
    cycle, fams, chans = setup
    with django_assert_max_num_queries(8):
        r = api(finance).get(f"{API}/baselines/?cycle={cycle.pk}&family=KX&page_size=500")
    assert r.status_code == 200 and r.json()["count"] == 24
    assert {row["channel"] for row in r.json()["results"]} == {"DIR"}
    assert api(finance).get(f"{API}/baselines/?cycle=-1.7976931348623157e%2B308").status_code == 400


def test_overrides_list_has_a_fixed_number_of_queries(setup, api, sales, finance, django_assert_max_num_queries):
    cycle, fams, chans = setup
    for p in ("2027-03", "2027-04", "2027-05"):
        create(api, sales, cycle, period=p)
    with django_assert_max_num_queries(8):
        r = api(finance).get(f"{API}/overrides/?cycle={cycle.pk}&family=KX")
    assert r.json()["count"] == 3


def test_start_a_run_through_the_api(cycle, personas, api, owner, sales):
    fams, chans = catalog()
    history(fams["KX"], chans["DIR"], "2025-01", [10, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17] * 2)
    assert api(sales).post(f"{API}/runs/", {"cycle": cycle.pk}, format="json").status_code == 403
    r = api(owner).post(f"{API}/runs/", {"cycle": cycle.pk}, format="json")
    assert r.status_code == 202, r.json()
    assert r.json()["series_total"] == 1
    assert api(owner).post(f"{API}/runs/", {"cycle": cycle.pk}, format="json").status_code == 409


def test_assumption_register_and_review_at_a_later_cycle(setup, api, personas, sales, demand, owner):
    cycle, fams, chans = setup
    a = create(api, sales, cycle).json()["assumption"]
    r = api(demand).post(f"{API}/assumptions/{a['id']}/review/", {"outcome": "held"}, format="json")
    assert r.status_code == 409  # reviewed at a later cycle
    later = cycle_services.cycle_open(actor=owner, label="2027-02")
    sign_through(later, personas, "data_gathering")
    r = api(demand).post(f"{API}/assumptions/{a['id']}/review/", {"outcome": "did_not_hold"}, format="json")
    assert r.status_code == 400 and "note" in r.json()["message"]
    r = api(demand).post(f"{API}/assumptions/{a['id']}/review/",
                         {"outcome": "did_not_hold", "note": "ACME slipped to Q3"}, format="json")
    assert r.status_code == 200 and r.json()["outcome"] == "did_not_hold" and r.json()["reviewed_in"] == "2027-02"
    listed = api(demand).get(f"{API}/assumptions/?cycle={cycle.pk}&outcome=did_not_hold").json()
    assert [x["ref"] for x in listed["results"]] == [a["ref"]]
    assert listed["results"][0]["override_count"] == 1 and listed["results"][0]["first_month"] == "2027-03"
    assert api(personas["finance"]).post(f"{API}/assumptions/{a['id']}/review/", {"outcome": "held"},
                                         format="json").status_code == 403


def test_assumption_patch_needs_if_match(setup, api, sales):
    cycle, fams, chans = setup
    a = api(sales).post(f"{API}/assumptions/", {"cycle": cycle.pk, "category": "pricing",
                                                "text": "List price up 5 % in April"}, format="json")
    assert a["ETag"] == '"1"'
    aid = a.json()["id"]
    assert api(sales).patch(f"{API}/assumptions/{aid}/", {"text": "List price up 6 % in April"},
                            format="json").status_code == 428
    assert api(sales).patch(f"{API}/assumptions/{aid}/", {"text": "List price up 6 % in April"}, format="json",
                            HTTP_IF_MATCH='"1"').status_code == 200
    assert api(sales).patch(f"{API}/assumptions/{aid}/", {"text": "List price up 7 % in April"}, format="json",
                            HTTP_IF_MATCH='"1"').status_code == 412
    assert Assumption.objects.get(pk=aid).text == "List price up 6 % in April"


def test_accuracy_changes_and_safety_stock_answer(setup, api, finance):
    cycle, fams, chans = setup
    for what in ("accuracy", "changes", "safety-stock"):
        r = api(finance).get(f"{API}/cycles/{cycle.pk}/{what}/")
        assert r.status_code == 200, (what, r.content)
    assert api(finance).get(f"{API}/cycles/999999/consensus/").status_code == 404
