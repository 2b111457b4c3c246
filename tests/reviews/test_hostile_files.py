"""Files are checked before any parser runs: a hostile file gets a clear refusal (a rejected
batch with the reason), never a crash or a hang, and stores nothing."""
import io
import zipfile

import pytest

from catalog.models import ProductFamily
from reviews.models import Shipment
from tests.reviews.helpers import imp


def refused(batch, words):
    assert batch.status == "rejected", batch.message
    assert batch.errors[0]["row"] == 0 and words in batch.errors[0]["reason"], batch.errors
    return batch


def test_an_oversized_file_is_refused(owner, catalog_loaded, settings):
    settings.IMPORT_MAX_BYTES = 1024
    refused(imp(owner, "shipments", "family,channel,period,quantity\n" + "ART,direct,2027-01,1\n" * 200), "larger than the limit")


def test_too_many_rows_are_refused(owner, catalog_loaded, settings):
    settings.IMPORT_MAX_ROWS = 10
    text = "family,channel,period,quantity\n" + "".join(f"ART,direct,{2000 + i}-01,1\n" for i in range(20))
    refused(imp(owner, "shipments", text), "Too many rows")
    assert not Shipment.objects.exists()


def test_a_latin1_file_is_refused_with_the_line_of_the_bad_byte(owner, catalog_loaded):
    data = "code,name\nX1,Café\n".encode("latin-1")
    refused(imp(owner, "families", data), "not UTF-8 text (bad byte 0xe9 on line 2)")


def test_a_utf16_file_is_refused(owner, catalog_loaded):
    refused(imp(owner, "families", "code,name\nX1,Y\n".encode("utf-16")), "UTF-16")


def test_binary_garbage_is_refused(owner, catalog_loaded):
    refused(imp(owner, "families", bytes(range(256)) * 4), "binary data")


def test_random_bytes_without_nul_are_refused_as_not_utf8(owner, catalog_loaded):
    refused(imp(owner, "families", bytes([0xff, 0xfe - 1, 0x80, 0x81]) * 100), "not UTF-8")


def test_a_legacy_xls_workbook_is_refused(owner, catalog_loaded):
    refused(imp(owner, "families", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, name="old.xls"), "Legacy .xls")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_workbook_is_refused_before_it_is_inflated(owner, catalog_loaded):
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b" " * 5_000_000})
    assert len(bomb) < 50_000
    refused(imp(owner, "families", bomb, name="bomb.xlsx"), "zip bomb")


def test_a_workbook_that_inflates_past_the_limit_is_refused(owner, catalog_loaded, settings):
    settings.IMPORT_XLSX_MAX_UNZIPPED_BYTES = 1000
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": bytes(range(256)) * 10})
    refused(imp(owner, "families", data, name="big.xlsx"), "inflates to")


def test_a_zip_that_is_not_a_workbook_is_refused(owner, catalog_loaded):
    refused(imp(owner, "families", _zip({"readme.txt": b"hello"}), name="x.xlsx"), "not an Excel workbook")


def test_a_damaged_workbook_is_refused(owner, catalog_loaded):
    refused(imp(owner, "families", b"PK\x03\x04" + b"garbage" * 50, name="x.xlsx"), "damaged")


def test_a_workbook_with_too_many_rows_is_refused(owner, catalog_loaded, settings):
    import xlsxwriter

    settings.IMPORT_XLSX_MAX_ROWS = 5
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["code", "name"])
    for r in range(1, 20):
        sheet.write_row(r, 0, [f"F{r}", f"Family {r}"])
    book.close()
    refused(imp(owner, "families", buffer.getvalue(), name="many.xlsx"), "Too many rows")
    assert ProductFamily.objects.filter(code__startswith="F").count() == 0


def test_formula_cells_in_a_workbook_are_rejected_not_evaluated(owner, catalog_loaded):
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["code", "name"])
    sheet.write_string(1, 0, "X9")
    sheet.write_formula(1, 1, '=HYPERLINK("http://evil.example","click")')
    book.close()
    batch = imp(owner, "families", buffer.getvalue(), name="f.xlsx")
    assert batch.status == "rejected"
    assert batch.errors[0]["column"] == "name" and "formula" in batch.errors[0]["reason"]


@pytest.mark.parametrize("cell", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_formula_looking_text_in_a_csv_is_rejected(owner, catalog_loaded, cell):
    batch = imp(owner, "families", f'code,name\nX8,"{cell}"\n')
    assert batch.status == "rejected" and "formula" in batch.errors[0]["reason"]


def test_an_empty_file_is_refused(owner, catalog_loaded):
    refused(imp(owner, "families", b""), "empty")
