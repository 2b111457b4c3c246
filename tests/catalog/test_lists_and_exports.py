"""Catalog list pages: filters and search, export of exactly the filtered rows, formula cells
neutralised, the XLSX export re-imports unchanged; detail pages; query-count guards."""
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from catalog.exports import neutralise
from catalog.tables import TABLES
from tests.reviews.helpers import imp, load_samples


@pytest.fixture
def loaded(owner):
    return load_samples(owner, kinds=["families", "channels", "skus", "resources", "routings", "components",
                                      "supply_options", "option_prices", "family_prices", "bom", "budget"])


@pytest.mark.parametrize("slug", list(TABLES))
def test_every_list_page_renders_in_a_fixed_number_of_queries(client, demand, loaded, slug, django_assert_max_num_queries):
    client.force_login(demand)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog_list", args=[slug]))
    assert response.status_code == 200


def test_search_and_filters_narrow_the_list_and_the_export(client, demand, loaded):
    client.force_login(demand)
    page = client.get(reverse("catalog_list", args=["skus"]), {"family": "ART"})
    assert b"ART-C1" in page.content and b"KIN-C1" not in page.content
    export = client.get(reverse("catalog_list", args=["skus"]), {"q": "kintex", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows == [["code", "name", "family", "active"], ["KIN-C1", "Kintex C1", "KIN", "true"]]


def test_an_xlsx_export_imports_back_unchanged(client, owner, loaded):
    client.force_login(owner)
    response = client.get(reverse("catalog_list", args=["families"]), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    batch = imp(owner, "families", response.content, name="families.xlsx")
    assert batch.status == "applied", batch.errors
    assert (batch.rows_added, batch.rows_updated, batch.rows_unchanged) == (0, 0, 2)


def test_a_csv_export_of_supply_options_imports_back_unchanged(client, owner, loaded):
    client.force_login(owner)
    response = client.get(reverse("catalog_list", args=["supply-options"]), {"export": "csv"})
    batch = imp(owner, "supply_options", b"".join(response.streaming_content))
    assert batch.status == "applied" and batch.rows_unchanged == 5, batch.errors


def test_text_that_looks_like_a_formula_is_neutralised_in_both_exports(client, owner, loaded):
    from catalog.models import ProductFamily

    ProductFamily.objects.filter(code="ART").update(name="=HYPERLINK(\"http://evil\")", group="@SUM(A1)")
    client.force_login(owner)
    text = b"".join(client.get(reverse("catalog_list", args=["families"]), {"export": "csv"}).streaming_content).decode()
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("catalog_list", args=["families"]), {"export": "xlsx"}).content))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil\")" in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    assert neutralise("-1") == "'-1" and neutralise(-1) == -1


def test_detail_pages_show_a_family_with_its_routings_and_bom(client, demand, loaded):
    client.force_login(demand)
    response = client.get(reverse("catalog_detail", args=["families", "ART"]))
    assert response.status_code == 200
    assert b"WTEST" in response.content and b"DIE" in response.content
    option = client.get(reverse("catalog_detail", args=["supply-options", "DIE~contract"]))
    assert option.status_code == 200 and b"2027-05" in option.content


def test_the_integration_account_does_not_use_pages(client, integration, loaded):
    client.force_login(integration)
    assert client.get(reverse("catalog_list", args=["families"])).status_code == 403


def test_the_problem_catalog_has_per_period_prices_with_the_tariff_step(loaded):
    from catalog.selectors import problem_catalog

    doc = problem_catalog(["2027-03", "2027-04", "2027-05", "2027-06"])
    die = next(c for c in doc["components"] if c["code"] == "DIE")
    assert [o["code"] for o in die["supply_options"]] == ["contract", "spot", "air"]
    assert die["supply_options"][0]["price"] == [20.0, 20.0, 24.0, 24.0]
    assert die["supply_options"][2]["price"] == 24.0
    art = next(f for f in doc["families"] if f["code"] == "ART")
    assert art["price"] == 92.0 and art["subcontract"] is None
    kin = next(f for f in doc["families"] if f["code"] == "KIN")
    assert kin["subcontract"] == {"cost": 420.0, "capacity": 300.0}
    eco = next(c for c in doc["channels"] if c["code"] == "ecommerce")
    assert eco["backlog_cost"] is None and eco["lost_sale_cost"] == 0.0
    assy = next(r for r in doc["resources"] if r["code"] == "ASSY")
    assert assy["workforce"]["initial"] == 12.0 and assy["overtime"]["max_hours_per_worker"] == 30.0
    assert {"family": "KIN", "component": "DIE", "quantity_per_unit": 6.0} in doc["bom"]


def test_every_link_on_a_list_page_leads_somewhere(client, demand, loaded):
    import re

    client.force_login(demand)
    for slug in TABLES:
        page = client.get(reverse("catalog_list", args=[slug])).content.decode()
        for href in set(re.findall(r'href="(/catalog/[^"?]+)"', page)):
            assert client.get(href).status_code == 200, (slug, href)
