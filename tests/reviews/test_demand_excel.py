"""Excel round trip: export the grid with its assumption columns, edit offline, upload; a preview
lists every change (old -> new per cell); accept applies all in one transaction, reject none;
invalid cells are refused with their sheet coordinates."""
import io
import zipfile

import openpyxl
import pytest

from cycles.models import Event
from reviews.demand import excel, services, uploads
from reviews.demand.services import Target
from reviews.models import Assumption, ConsensusCell, DemandUpload, Override, UploadStatus
from sop.errors import ApplicationError, ConflictError
from tests.reviews.demand_helpers import catalog, d, install_baseline, open_demand_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cycle, personas):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100, (fams["AX"], chans["WEB"]): 40})
    return cycle, fams, chans


def workbook(cycle, user):
    return openpyxl.load_workbook(io.BytesIO(excel.export_workbook(cycle, actor=user)))


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def find(ws, family, channel):
    for row in ws.iter_rows(min_row=excel.HEADER_ROW + 1):
        if row[1].value == family and row[3].value == channel:
            return row[0].row
    raise KeyError(family)


def col(ws, header):
    for cell in ws[excel.HEADER_ROW]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def qty(cycle, fam, chan, period):
    return ConsensusCell.objects.get(cycle=cycle, family=fam, channel=chan, period=d(period)).quantity


def test_export_has_the_grid_the_assumption_columns_and_no_formulas(setup, demand):
    cycle, fams, chans = setup
    services.assumption_create(actor=demand, cycle=cycle, category="other", text="=HYPERLINK(\"http://x\")")
    wb = workbook(cycle, demand)
    ws = wb["Consensus"]
    headers = [c.value for c in ws[excel.HEADER_ROW]]
    assert headers[:5] == ["Group", "Family", "Family name", "Channel", "2027-01"]
    assert headers[-3:] == ["Assumptions so far", "Category", "Assumption for your changes"]
    r = find(ws, "KX", "DIR")
    assert ws.cell(row=r, column=col(ws, "2027-03")).value == 100
    reg = wb["Assumptions"]
    assert reg.cell(row=2, column=3).value.startswith("'=")  # neutralised, not a formula
    assert wb["_original"].sheet_state == "hidden"


def test_preview_lists_each_change_then_accept_applies_all(setup, demand):
    cycle, fams, chans = setup
    wb = workbook(cycle, demand)
    ws = wb["Consensus"]
    r = find(ws, "KX", "DIR")
    ws.cell(row=r, column=col(ws, "2027-03")).value = 130
    ws.cell(row=r, column=col(ws, "2027-04")).value = 125.6
    ws.cell(row=r, column=col(ws, "Category")).value = "new_customer"
    ws.cell(row=r, column=col(ws, "Assumption for your changes")).value = "ACME design win from March"
    upload = uploads.upload_preview(actor=demand, cycle=cycle, filename="plan.xlsx", data=save(wb))
    assert upload.status == UploadStatus.PENDING and upload.errors == []
    changes = {(c["period"], c["old"], c["new"]) for c in upload.changes}
    assert changes == {("2027-03", "100", "130"), ("2027-04", "100", "126")}
    assert {c["cell"] for c in upload.changes} == {f"G{r}", f"H{r}"}
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-03") == 100  # nothing saved before accepting
    uploads.upload_accept(actor=demand, upload=upload)
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-03") == 130
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-04") == 126
    a = Assumption.objects.get()
    assert a.text == "ACME design win from March" and a.category == "new_customer"
    assert Override.objects.filter(assumption=a).count() == 2
    assert DemandUpload.objects.get().status == UploadStatus.APPLIED
    assert Event.objects.filter(verb="demand.upload_applied").exists()


def test_reject_discards_everything(setup, sales):
    cycle, fams, chans = setup
    wb = workbook(cycle, sales)
    ws = wb["Consensus"]
    r = find(ws, "AX", "WEB")
    ws.cell(row=r, column=col(ws, "2027-11")).value = 80
    ws.cell(row=r, column=col(ws, "Category")).value = "promotion"
    ws.cell(row=r, column=col(ws, "Assumption for your changes")).value = "E-commerce promotion in Q4"
    upload = uploads.upload_preview(actor=sales, cycle=cycle, filename="plan.xlsx", data=save(wb))
    uploads.upload_reject(actor=sales, upload=upload)
    assert DemandUpload.objects.get().status == UploadStatus.REJECTED
    assert qty(cycle, fams["AX"], chans["WEB"], "2027-11") == 40
    assert not Override.objects.exists() and not Assumption.objects.exists()
    with pytest.raises(ConflictError):
        uploads.upload_accept(actor=sales, upload=upload)


def test_invalid_cells_are_refused_with_their_coordinates(setup, demand):
    cycle, fams, chans = setup
    existing = services.assumption_create(actor=demand, cycle=cycle, category="market", text="Market recovery in H2")
    wb = workbook(cycle, demand)
    ws = wb["Consensus"]
    r = find(ws, "KX", "DIR")
    ws.cell(row=r, column=col(ws, "2027-02")).value = "lots"
    ws.cell(row=r, column=col(ws, "2027-05")).value = -3
    ws.cell(row=r, column=col(ws, "2027-06")).value = None
    ws.cell(row=r, column=col(ws, "2027-07")).value = 150
    ws.cell(row=r, column=col(ws, "Assumption for your changes")).value = existing.ref
    r2 = find(ws, "AX", "WEB")
    ws.cell(row=r2, column=col(ws, "2027-02")).value = 41  # changed, but no assumption
    extra = ws.max_row + 1
    ws.cell(row=extra, column=2).value = "NOPE"
    ws.cell(row=extra, column=4).value = "DIR"
    upload = uploads.upload_preview(actor=demand, cycle=cycle, filename="plan.xlsx", data=save(wb))
    assert upload.status == UploadStatus.INVALID
    errors = "\n".join(upload.errors)
    assert f"F{r}: not a number ('lots')" in errors
    assert f"I{r}: negative" in errors
    assert f"J{r}: empty" in errors
    text_col = excel.col_letter(col(ws, "Assumption for your changes") - 1)
    assert f"{text_col}{r2}: row {r2} changes 1 cell(s) (F{r2}) but gives no assumption." in errors
    assert f"B{extra}: unknown family 'NOPE'" in errors
    with pytest.raises(ConflictError):
        uploads.upload_accept(actor=demand, upload=upload)
    assert not Override.objects.exists()


def test_cells_changed_in_the_app_since_the_export_are_conflicts(setup, demand, sales):
    cycle, fams, chans = setup
    wb = workbook(cycle, demand)
    target = Target(period=d("2027-03"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,))
    services.consensus_edit(actor=sales, cycle=cycle, targets=[target], kind="absolute", value=111,
                            new_assumption={"category": "market", "text": "Sales saw a pull-in"}, require_seen=False)
    ws = wb["Consensus"]
    r = find(ws, "KX", "DIR")
    ws.cell(row=r, column=col(ws, "2027-03")).value = 130
    ws.cell(row=r, column=col(ws, "Category")).value = "market"
    ws.cell(row=r, column=col(ws, "Assumption for your changes")).value = "Planner's own view of March"
    upload = uploads.upload_preview(actor=demand, cycle=cycle, filename="plan.xlsx", data=save(wb))
    assert upload.status == UploadStatus.INVALID
    assert f"G{r}: changed in the app since your export (now 111" in upload.errors[0]


def test_a_change_in_the_app_after_the_preview_blocks_accepting(setup, demand, sales):
    cycle, fams, chans = setup
    wb = workbook(cycle, demand)
    ws = wb["Consensus"]
    r = find(ws, "KX", "DIR")
    ws.cell(row=r, column=col(ws, "2027-03")).value = 130
    ws.cell(row=r, column=col(ws, "Category")).value = "market"
    ws.cell(row=r, column=col(ws, "Assumption for your changes")).value = "Planner's own view of March"
    upload = uploads.upload_preview(actor=demand, cycle=cycle, filename="plan.xlsx", data=save(wb))
    target = Target(period=d("2027-03"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,))
    services.consensus_edit(actor=sales, cycle=cycle, targets=[target], kind="absolute", value=111,
                            new_assumption={"category": "market", "text": "Sales saw a pull-in"}, require_seen=False)
    with pytest.raises(ConflictError, match="changed in the app since the preview"):
        uploads.upload_accept(actor=demand, upload=upload)
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-03") == 111


def test_hostile_files_are_refused_before_parsing(setup, demand):
    cycle, fams, chans = setup
    with pytest.raises(ApplicationError):
        uploads.upload_preview(actor=demand, cycle=cycle, filename="plan.xlsx", data=b"not a workbook at all")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "0" * 50_000_000)
    with pytest.raises(ApplicationError, match="zip bomb|inflates"):
        uploads.upload_preview(actor=demand, cycle=cycle, filename="plan.xlsx", data=bomb.getvalue())


def test_read_only_roles_cannot_upload(setup, finance):
    cycle, fams, chans = setup
    wb = workbook(cycle, finance)
    with pytest.raises(ApplicationError):
        uploads.upload_preview(actor=finance, cycle=cycle, filename="plan.xlsx", data=save(wb))


def test_upload_pages_round_trip(setup, client, demand):
    cycle, fams, chans = setup
    client.force_login(demand)
    data = client.get(f"/demand/{cycle.pk}/export.xlsx").content
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Consensus"]
    r = find(ws, "KX", "DIR")
    ws.cell(row=r, column=col(ws, "2027-09")).value = 90
    ws.cell(row=r, column=col(ws, "Category")).value = "lost_customer"
    ws.cell(row=r, column=col(ws, "Assumption for your changes")).value = "Lost the Globex socket"
    f = io.BytesIO(save(wb))
    f.name = "plan.xlsx"
    r = client.post(f"/demand/{cycle.pk}/upload/", {"file": f})
    assert r.status_code == 302
    preview = client.get(r["Location"]).content.decode()
    assert "Lost the Globex socket" in preview and "2027-09" in preview and 'data-action="accept-upload"' in preview
    upload = DemandUpload.objects.get()
    r = client.post(f"/demand/{cycle.pk}/uploads/{upload.pk}/accept/")
    assert r.status_code == 302
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-09") == 90
