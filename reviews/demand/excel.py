"""Excel round trip of the consensus: export the grid (with the assumption columns), read an
edited copy back as a list of changes (old -> new per cell) or of refused cells (with their
sheet coordinates), for the planner to accept or reject.

Writing: XlsxWriter with strings_to_formulas off, and text that a spreadsheet could take for a
formula (= + - @ at the start) prefixed with an apostrophe. Reading: the upload guard of the
imports (size, type, zip entry count, inflated size and ratio) runs before openpyxl, which
parses XML through defusedxml. A hidden sheet keeps the exported values, so a cell counts as
changed when the file differs from what was exported, and as a conflict when the plan itself
moved since the export.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from catalog.models import Channel, ProductFamily
from cycles.models import Cycle
from reviews.demand import months
from reviews.demand.allocation import q
from reviews.models import Assumption, AssumptionCategory, ConsensusCell, DemandPlan

SHEET = "Consensus"
ORIGINAL = "_original"
HEADER_ROW = 4  # 1-based row of the column headers
FIXED = ["Group", "Family", "Family name", "Channel"]
TAIL = ["Assumptions so far", "Category", "Assumption for your changes"]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_REF = re.compile(r"^\s*[Aa](\d+)\s*$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def col_letter(index: int) -> str:
    """0-based column index -> A, B, ..., Z, AA, ..."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _series_rows(cycle: Cycle):
    """[(group, family code, family name, channel code, {period: (quantity, baseline)}, refs)]"""
    data: dict[tuple, dict] = {}
    for grp, fcode, fname, ccode, p, qty, base in ConsensusCell.objects.filter(cycle=cycle).values_list(
            "family__group", "family__code", "family__name", "channel__code", "period", "quantity", "baseline"
    ).order_by("family__group", "family__code", "channel__code", "period"):
        data.setdefault((grp, fcode, fname, ccode), {})[p] = (qty, base)
    refs: dict[tuple, set] = {}
    for fcode, ccode, aid in Assumption.objects.filter(cycle=cycle, overrides__deleted_at__isnull=True).values_list(
            "overrides__family__code", "overrides__channel__code", "pk").distinct():
        refs.setdefault((fcode, ccode), set()).add(aid)
    return [(k[0], k[1], k[2], k[3], v, sorted(refs.get((k[1], k[3]), ()))) for k, v in data.items()]


def export_workbook(cycle: Cycle, *, actor) -> bytes:
    """The consensus of a cycle as an .xlsx: one row per family x channel, months as columns."""
    import xlsxwriter

    periods = months.cycle_months(cycle)
    plan = DemandPlan.objects.filter(cycle=cycle).first()
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#1f3a5f", "font_color": "#ffffff", "border": 1})
    num = wb.add_format({"num_format": "#,##0", "bg_color": "#fffbe6", "border": 1})
    ro = wb.add_format({"num_format": "#,##0", "font_color": "#555555"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    note = wb.add_format({"italic": True, "font_color": "#555555"})
    ws = wb.add_worksheet(SHEET)
    ws.write(0, 0, safe_text(f"Consensus demand, cycle {cycle.label}, units; revision {plan.revision if plan else 0}, "
                            f"exported {timezone.now():%Y-%m-%d %H:%M} by {actor.get_username()}"), bold)
    ws.write(1, 0, "Change the yellow month cells (whole units). For every row you change, write the assumption in the "
                   "last column (or the reference of an existing one, e.g. A12) and pick its category. "
                   "Do not change columns A-D or the headers.", note)
    headers = FIXED + [months.label(p) for p in periods] + TAIL
    for j, h in enumerate(headers):
        ws.write_string(HEADER_ROW - 1, j, h, head)
    rows = _series_rows(cycle)
    first_tail = len(FIXED) + len(periods)
    for i, (grp, fcode, fname, ccode, values, refs) in enumerate(rows):
        r = HEADER_ROW + i
        for j, v in enumerate((grp, fcode, fname, ccode)):
            ws.write_string(r, j, safe_text(v))
        for j, p in enumerate(periods):
            qty = values.get(p, (Decimal(0), Decimal(0)))[0]
            ws.write_number(r, len(FIXED) + j, float(qty), num)
        ws.write_string(r, first_tail, ", ".join(f"A{a}" for a in refs))
    last_row = HEADER_ROW + max(len(rows), 1) + 200
    ws.data_validation(HEADER_ROW, first_tail + 1, last_row, first_tail + 1,
                       {"validate": "list", "source": AssumptionCategory.values, "ignore_blank": True})
    ws.freeze_panes(HEADER_ROW, len(FIXED))
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 26)
    ws.set_column(3, 3, 12)
    ws.set_column(len(FIXED), first_tail - 1, 9)
    ws.set_column(first_tail, first_tail, 18)
    ws.set_column(first_tail + 1, first_tail + 1, 14)
    ws.set_column(first_tail + 2, first_tail + 2, 50)

    base = wb.add_worksheet("Baseline")
    for j, h in enumerate(FIXED + [months.label(p) for p in periods]):
        base.write_string(0, j, h, head)
    for i, (grp, fcode, fname, ccode, values, _) in enumerate(rows):
        for j, v in enumerate((grp, fcode, fname, ccode)):
            base.write_string(i + 1, j, safe_text(v))
        for j, p in enumerate(periods):
            base.write_number(i + 1, len(FIXED) + j, float(values.get(p, (0, 0))[1]), ro)
    base.freeze_panes(1, len(FIXED))

    reg = wb.add_worksheet("Assumptions")
    for j, h in enumerate(["Ref", "Category", "Assumption", "Owner", "Outcome"]):
        reg.write_string(0, j, h, head)
    for i, a in enumerate(Assumption.objects.filter(cycle=cycle).select_related("owner").order_by("id")):
        reg.write_string(i + 1, 0, a.ref)
        reg.write_string(i + 1, 1, a.category)
        reg.write_string(i + 1, 2, safe_text(a.text), wrap)
        reg.write_string(i + 1, 3, safe_text(a.owner.get_username()))
        reg.write_string(i + 1, 4, a.get_outcome_display())
    reg.set_column(2, 2, 80)

    orig = wb.add_worksheet(ORIGINAL)
    orig.hide()
    orig.write_string(0, 0, "cycle")
    orig.write_number(0, 1, cycle.pk)
    orig.write_string(1, 0, "revision")
    orig.write_number(1, 1, plan.revision if plan else 0)
    for i, (_, fcode, _, ccode, values, _) in enumerate(rows):
        r = HEADER_ROW + i
        orig.write_string(r, 1, safe_text(fcode))
        orig.write_string(r, 3, safe_text(ccode))
        for j, p in enumerate(periods):
            orig.write_number(r, len(FIXED) + j, float(values.get(p, (Decimal(0), 0))[0]))
    wb.close()
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# reading an edited workbook


@dataclass
class Preview:
    changes: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _guard(data: bytes, filename: str) -> None:
    from reviews.imports.files import FileRefused, Source, inspect
    from sop.errors import ApplicationError

    if len(data) > MAX_UPLOAD_BYTES:
        raise ApplicationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.")
    source = inspect(Source(name=filename or "upload.xlsx", data=data))
    if source.format != "xlsx":
        raise FileRefused("Upload the .xlsx workbook exported from the grid (this is not an Excel workbook).")


def _number(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    try:
        return Decimal(str(value).strip().replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None


def _header_text(value) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return months.label(months.month(value))
    return "" if value is None else str(value).strip()


def read_workbook(cycle: Cycle, data: bytes, *, filename: str = "") -> Preview:
    """The changes an edited export makes to the cycle's consensus, or the cells it gets wrong."""
    import openpyxl

    _guard(data, filename)
    preview = Preview()
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on a damaged file
        preview.errors.append(f"The workbook cannot be read ({type(exc).__name__}).")
        return preview
    try:
        return _read(cycle, wb, preview)
    finally:
        wb.close()


def _read(cycle: Cycle, wb, preview: Preview) -> Preview:
    if SHEET not in wb.sheetnames:
        preview.errors.append(f"The workbook has no sheet named {SHEET!r}: upload a copy of the grid's export.")
        return preview
    rows = list(wb[SHEET].iter_rows(values_only=True, max_row=HEADER_ROW + 100_000))
    if len(rows) < HEADER_ROW:
        preview.errors.append(f"Sheet {SHEET!r} has no header row (row {HEADER_ROW}).")
        return preview
    header = [_header_text(v) for v in rows[HEADER_ROW - 1]]
    if header[:len(FIXED)] != FIXED:
        preview.errors.append(f"Row {HEADER_ROW} must start with {', '.join(FIXED)} (the export's headers).")
        return preview
    horizon = {months.label(p): p for p in months.cycle_months(cycle)}
    month_cols: dict[int, dt.date] = {}
    col_of = {}
    for j, h in enumerate(header):
        if j < len(FIXED):
            continue
        if h in TAIL:
            col_of[h] = j
        elif re.fullmatch(r"\d{4}-\d{2}", h):
            if h not in horizon:
                preview.errors.append(f"{col_letter(j)}{HEADER_ROW}: {h} is outside cycle {cycle.label}'s horizon.")
            else:
                month_cols[j] = horizon[h]
        elif h:
            preview.errors.append(f"{col_letter(j)}{HEADER_ROW}: unknown column {h!r}.")
    if not month_cols:
        preview.errors.append(f"Row {HEADER_ROW} names no month of the cycle (columns like {cycle.label}).")
    for name in TAIL[1:]:
        if name not in col_of:
            preview.errors.append(f"Row {HEADER_ROW}: the column {name!r} is missing.")
    if preview.errors:
        return preview

    original = _original_values(cycle, wb)
    families = {f.code: f for f in ProductFamily.objects.all()}
    channels = {c.code: c for c in Channel.objects.all()}
    current = {(f, c, p): (qty, ver) for f, c, p, qty, ver in ConsensusCell.objects.filter(cycle=cycle).values_list(
        "family__code", "channel__code", "period", "quantity", "version")}
    assumptions = {a.pk: a for a in Assumption.objects.filter(cycle=cycle)}
    categories = {v: v for v in AssumptionCategory.values} | {str(lbl).lower(): v for v, lbl in AssumptionCategory.choices}
    seen_rows: dict[tuple, int] = {}
    for i, row in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        row = list(row) + [None] * (len(header) - len(row))
        fcode = "" if row[1] is None else str(row[1]).strip()
        ccode = "" if row[3] is None else str(row[3]).strip()
        values_present = any(row[j] not in (None, "") for j in month_cols)
        if not fcode and not ccode and not values_present:
            continue
        if fcode not in families:
            preview.errors.append(f"B{i}: unknown family {fcode!r}.")
            continue
        if ccode not in channels:
            preview.errors.append(f"D{i}: unknown channel {ccode!r}.")
            continue
        if (fcode, ccode) in seen_rows:
            preview.errors.append(f"B{i}: {fcode} / {ccode} appears twice (also row {seen_rows[(fcode, ccode)]}).")
            continue
        seen_rows[(fcode, ccode)] = i
        row_changes = []
        for j, p in month_cols.items():
            ref = f"{col_letter(j)}{i}"
            raw = row[j]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                preview.errors.append(f"{ref}: empty (write 0 for no demand).")
                continue
            number = _number(raw)
            if number is None or not number.is_finite():
                preview.errors.append(f"{ref}: not a number ({str(raw)[:30]!r}).")
                continue
            if number < 0:
                preview.errors.append(f"{ref}: negative ({number}); demand is 0 or more.")
                continue
            new = q(number)
            now_qty = current.get((fcode, ccode, p), (Decimal(0), 0))[0]
            was = original.get((fcode, ccode, p), now_qty) if original is not None else now_qty
            if q(was) == new:
                continue
            if q(now_qty) != q(was):
                preview.errors.append(f"{ref}: changed in the app since your export (now {q(now_qty)}, "
                                      f"your file started from {q(was)}); export again.")
                continue
            row_changes.append({"cell": ref, "row": i, "family": fcode, "family_id": families[fcode].pk,
                                "channel": ccode, "channel_id": channels[ccode].pk, "period": months.label(p),
                                "old": str(q(now_qty)), "new": str(new), "delta": str(new - q(now_qty)),
                                "rounded_from": str(number) if number != new else ""})
        if not row_changes:
            continue
        text_col, cat_col = col_of[TAIL[2]], col_of[TAIL[1]]
        text = "" if row[text_col] is None else str(row[text_col]).strip().lstrip("'")
        cat_ref = f"{col_letter(cat_col)}{i}"
        text_ref = f"{col_letter(text_col)}{i}"
        match = _REF.match(text)
        if not text:
            preview.errors.append(f"{text_ref}: row {i} changes {len(row_changes)} cell(s) "
                                  f"({', '.join(c['cell'] for c in row_changes[:4])}) but gives no assumption.")
            continue
        if match:
            a = assumptions.get(int(match.group(1)))
            if a is None:
                preview.errors.append(f"{text_ref}: A{match.group(1)} is not an assumption of cycle {cycle.label}.")
                continue
            assumption = {"ref": a.ref, "id": a.pk, "text": a.text, "category": a.category}
        else:
            raw_cat = "" if row[cat_col] is None else str(row[cat_col]).strip().lower()
            category = categories.get(raw_cat)
            if category is None:
                preview.errors.append(f"{cat_ref}: pick a category for the new assumption "
                                      f"({', '.join(AssumptionCategory.values)}).")
                continue
            if len(text) < 8:
                preview.errors.append(f"{text_ref}: write the assumption out (at least 8 characters).")
                continue
            assumption = {"ref": "", "id": None, "text": text[:2000], "category": category}
        for c in row_changes:
            c["assumption"] = assumption
        preview.changes.extend(row_changes)
    if not preview.changes and not preview.errors:
        preview.errors.append("No cell of the file differs from the plan: nothing to change.")
    return preview


def _original_values(cycle: Cycle, wb) -> dict | None:
    """The values exported (hidden sheet), or None when absent or from another cycle."""
    if ORIGINAL not in wb.sheetnames:
        return None
    rows = list(wb[ORIGINAL].iter_rows(values_only=True))
    if len(rows) < 2 or rows[0][0] != "cycle" or _number(rows[0][1]) != cycle.pk:
        return None
    header = [_header_text(v) for v in wb[SHEET].iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW,
                                                            values_only=True).__next__()]
    out = {}
    for row in rows[HEADER_ROW:]:
        if len(row) < 4 or row[1] is None:
            continue
        for j, h in enumerate(header):
            if j < len(FIXED) or j >= len(row) or not re.fullmatch(r"\d{4}-\d{2}", h or ""):
                continue
            value = _number(row[j])
            if value is not None:
                out[(str(row[1]).lstrip("'"), str(row[3]).lstrip("'"), months.month(h))] = value
    return out
