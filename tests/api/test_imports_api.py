"""POST /api/v1/imports/{kind}/: who may import, idempotency, error bodies; batch and finding reads."""
import pytest

from reviews.models import ImportBatch, Shipment
from tests.reviews.helpers import load_samples

ROWS = {"rows": [{"family": "ART", "channel": "direct", "period": "2027-01", "quantity": 10, "revenue": 950}]}


@pytest.fixture
def loaded(owner):
    return load_samples(owner, kinds=["families", "channels", "skus", "resources", "components"])


def post(client, kind, data, key="k-1", **kw):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/imports/{kind}/", data, format="json", **headers, **kw)


def test_the_integration_account_imports_json_rows(api, integration, loaded):
    response = post(api(integration), "shipments", ROWS)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "applied" and body["rows_added"] == 1 and body["source"] == "api"
    assert Shipment.objects.get().quantity == 10


@pytest.mark.parametrize("persona,code", [("process_owner", 201), ("demand_planner", 201), ("integration", 201),
                                          ("sales", 403), ("executive", 403), ("outsider", 403)])
def test_who_may_import_shipments(api, personas, loaded, persona, code):
    response = post(api(personas[persona]), "shipments", ROWS, key=f"key-{persona}")
    assert response.status_code == code, response.json()
    if code == 403:
        assert "message" in response.json()
        assert not Shipment.objects.exists()


def test_sales_may_not_import_master_data_either(api, sales, loaded):
    response = post(api(sales), "families", {"rows": [{"code": "X", "name": "Y"}]})
    assert response.status_code == 403
    assert response.json()["message"] == "Your role may not import product families."


def test_a_planner_imports_only_their_kinds(api, supply, loaded):
    assert post(api(supply), "shipments", ROWS).status_code == 403
    assert post(api(supply), "components", {"rows": [{"code": "PMIC", "name": "Power IC"}]}, key="k-2").status_code == 201


def test_anonymous_is_401(api, loaded):
    assert post(api(None), "shipments", ROWS).status_code == 401


def test_the_same_key_and_body_give_the_same_answer_and_one_effect(api, integration, loaded):
    client = api(integration)
    first = post(client, "shipments", ROWS, key="abc")
    second = post(client, "shipments", ROWS, key="abc")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert ImportBatch.objects.filter(kind="shipments").count() == 1
    assert Shipment.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api, integration, loaded):
    client = api(integration)
    post(client, "shipments", ROWS, key="abc")
    other = {"rows": [{**ROWS["rows"][0], "quantity": 11}]}
    response = post(client, "shipments", other, key="abc")
    assert response.status_code == 422
    assert "another request" in response.json()["message"]
    assert Shipment.objects.get().quantity == 10


def test_a_key_is_required_to_apply(api, integration, loaded):
    response = post(api(integration), "shipments", ROWS, key="")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["message"]


def test_an_invalid_push_is_422_with_every_error(api, integration, loaded):
    rows = {"rows": [{"family": "NOPE", "channel": "direct", "period": "2027-1", "quantity": -1}]}
    response = post(api(integration), "shipments", rows)
    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("Rejected: 3 errors")
    assert {(e["row"], e["column"]) for e in body["extra"]["batch"]["errors"]} == {(1, "family"), (1, "period"), (1, "quantity")}


def test_a_csv_body_with_a_cycle_and_a_dry_run(api, integration, loaded, cycle):
    csv = "family,period,on_hand\nART,2026-12,500\n"
    response = api(integration).post("/api/v1/imports/inventory/?cycle=2027-01&dry_run=1", csv, content_type="text/csv")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "validated" and response.json()["rows_added"] == 1


def test_an_unknown_kind_is_404(api, integration):
    assert post(api(integration), "weather", ROWS).status_code == 404


def test_batches_list_with_errors_in_a_fixed_number_of_queries(api, integration, loaded, django_assert_max_num_queries):
    client = api(integration)
    for i in range(5):
        post(client, "shipments", {"rows": [{**ROWS["rows"][0], "quantity": i}]}, key=f"k{i}")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/imports/?kind=shipments")
    assert response.status_code == 200
    assert response.json()["count"] == 5
    detail = client.get(f"/api/v1/imports/{response.json()['results'][0]['id']}/")
    assert detail.status_code == 200 and "errors" in detail.json()


def test_findings_list_and_waive(api, owner, demand, loaded, cycle):
    from tests.reviews.helpers import imp

    imp(owner, "shipments", "family,channel,period,quantity,revenue\nART,direct,2026-12,5,0\n")
    findings = api(demand).get("/api/v1/findings/?cycle=2027-01&severity=blocking").json()["results"]
    assert findings and findings[0]["check_code"] == "zero_revenue"
    url = f"/api/v1/findings/{findings[0]['id']}/waive/"
    assert api(demand).post(url, {"comment": "no"}, format="json").status_code == 403
    response = api(owner).post(url, {"comment": "promo units"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "waived"


def test_catalog_lists_read_back_in_the_import_format(api, integration, loaded, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api(integration).get("/api/v1/catalog/skus/?family=ART")
    assert response.status_code == 200
    assert response.json()["results"][0] == {"code": "ART-C1", "name": "Artix C1", "family": "ART", "active": True}
