"""Row validation, vectorised with pyarrow.compute: every rule, every row, all errors.

`validate(kind, header, batches, lookups)` checks the header, then each batch column by
column, then keys across the whole file, and returns a Result: the error report (capped,
with the total count) and, for a valid file, the typed columns the loader writes.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reviews.imports.files import Batch
from reviews.imports.kinds import Kind

ERROR_CAP = 200
CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"
NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?$"
INTEGER_RE = r"^[+-]?\d{1,9}$"
PERIOD_RE = r"^(19[5-9]\d|2[01]\d\d)-(0[1-9]|1[0-2])(-01)?$"
FORMULA_RE = r"^[=+\-@\t\r]"
TRUE = ("true", "yes", "y", "1", "t")
FALSE = ("false", "no", "n", "0", "f")
MAX_ABS = 1e11
REF_LABEL = {"family": "family", "sku": "SKU", "channel": "channel", "resource": "resource", "component": "component", "option": "supply option"}


@dataclass
class Errors:
    cap: int = ERROR_CAP
    items: list[dict] = field(default_factory=list)
    count: int = 0

    def add(self, row: int, column: str, value: str, reason: str) -> None:
        self.count += 1
        if len(self.items) < self.cap:
            self.items.append({"row": int(row), "column": column, "value": str(value)[:120], "reason": reason})

    def add_mask(self, rownums: np.ndarray, mask, column: str, values: pa.Array, reason) -> None:
        mask_np = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        hits = np.flatnonzero(mask_np)
        if not len(hits):
            return
        room = max(0, self.cap - len(self.items))
        shown = hits[:room]
        texts = values.take(pa.array(shown)).to_pylist() if len(shown) else []
        for i, text in zip(shown, texts, strict=True):
            self.items.append({
                "row": int(rownums[i]), "column": column, "value": ("" if text is None else str(text))[:120],
                "reason": reason(text) if callable(reason) else reason,
            })
        self.count += len(hits)

    def sorted_items(self) -> list[dict]:
        return sorted(self.items, key=lambda e: (e["row"], e["column"]))


@dataclass
class Lookup:
    """Codes of one catalog table and their ids (and, for SKUs, their family ids)."""

    codes: pa.Array
    ids: pa.Array
    family_ids: pa.Array | None = None


@dataclass
class Result:
    errors: Errors
    rows: int = 0
    table: pa.Table | None = None  # typed output columns + "__row"
    header: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.errors.count == 0


def _blank(a: pa.Array) -> pa.Array:
    return pc.equal(pc.utf8_length(a), 0)


def _check_header(kind: Kind, header: list[str], errors: Errors) -> None:
    if not header or all(h == "" for h in header):
        errors.add(1, "", "", "the file has no header row")
        return
    known = set(kind.column_names)
    seen: set[str] = set()
    for name in header:
        if name == "":
            errors.add(1, "", "", "empty column name in the header")
        elif name in seen:
            errors.add(1, name, name, "duplicate column")
        elif name not in known:
            errors.add(1, name, name, f"unknown column; {kind.name} takes {', '.join(kind.column_names)}")
        seen.add(name)
    grouped = {n for group in kind.one_of for n in group}
    for col in kind.columns:
        if col.required and col.name not in seen:
            errors.add(1, col.name, "", "missing column")
    for group in kind.one_of:
        present = [n for n in group if n in seen]
        if not present:
            errors.add(1, group[0], "", f"missing column: needs one of {', '.join(group)}")
        elif len(present) > 1 and "period" in group:
            errors.add(1, group[1], "", f"use one of {', '.join(group)}, not both")
    del grouped


def _numbers(a: pa.Array, blank: pa.Array, rownums, name: str, errors: Errors, *, kind: str) -> pa.Array:
    pattern = INTEGER_RE if kind == "integer" else NUMBER_RE
    ok = pc.match_substring_regex(a, pattern)
    bad = pc.and_(pc.invert(blank), pc.invert(ok))
    errors.add_mask(rownums, bad, name, a, "is not a whole number" if kind == "integer" else "is not a number")
    valid = pc.and_(pc.invert(blank), ok)
    values = pc.cast(pc.if_else(valid, a, pa.scalar("0")), pa.float64())
    if kind == "share":
        errors.add_mask(rownums, pc.and_(valid, pc.or_(pc.less(values, 0), pc.greater(values, 1))), name, a,
                        "must be a share between 0 and 1")
    elif kind != "signed":
        errors.add_mask(rownums, pc.and_(valid, pc.less(values, 0)), name, a, "must not be negative")
    errors.add_mask(rownums, pc.and_(valid, pc.greater_equal(pc.abs(values), MAX_ABS)), name, a, "is too large")
    if kind == "integer":
        errors.add_mask(rownums, pc.and_(valid, pc.greater(values, 32767)), name, a, "is too large (at most 32767)")
    return pc.if_else(valid, a, pa.scalar(None, pa.string()))


def _column(col, a: pa.Array, rownums, errors: Errors, lookups: dict[str, Lookup], batch: Batch) -> dict[str, pa.Array]:
    """Checks one column; returns the typed output column(s) it contributes."""
    name = col.name
    a = pc.utf8_trim_whitespace(a)
    blank = _blank(a)
    if col.required:
        errors.add_mask(rownums, blank, name, a, "is required")
    nonblank = pc.invert(blank)
    if col.type in ("decimal", "integer", "share", "signed"):
        return {name: _numbers(a, blank, rownums, name, errors, kind=col.type)}
    if col.type == "code":
        errors.add_mask(rownums, pc.and_(nonblank, pc.invert(pc.match_substring_regex(a, CODE_RE))), name, a,
                        "is not a valid code (1-40 letters, digits, '.', '_', '/' or '-')")
        return {name: a}
    if col.type == "text":
        errors.add_mask(rownums, pc.greater(pc.utf8_length(a), col.max_length), name, a, f"is longer than {col.max_length} characters")
        errors.add_mask(rownums, pc.match_substring_regex(a, FORMULA_RE), name, a,
                        "starts with =, +, - or @ (looks like a spreadsheet formula); remove it")
        return {name: a}
    if col.type == "bool":
        low = pc.utf8_lower(a)
        is_true = pc.is_in(low, value_set=pa.array(TRUE))
        is_false = pc.is_in(low, value_set=pa.array(FALSE))
        errors.add_mask(rownums, pc.and_(nonblank, pc.invert(pc.or_(is_true, is_false))), name, a, "must be true or false (yes/no, 1/0)")
        return {name: pc.if_else(blank, pa.scalar(None, pa.bool_()), is_true)}
    if col.type == "choice":
        low = pc.utf8_lower(a)
        errors.add_mask(rownums, pc.and_(nonblank, pc.invert(pc.is_in(low, value_set=pa.array(col.choices)))), name, a,
                        f"must be one of {', '.join(col.choices)}")
        return {name: pc.if_else(blank, pa.scalar(None, pa.string()), low)}
    if col.type == "period":
        ok = pc.match_substring_regex(a, PERIOD_RE)
        errors.add_mask(rownums, pc.and_(nonblank, pc.invert(ok)), name, a, "is not a month (YYYY-MM)")
        month = pc.binary_join_element_wise(pc.utf8_slice_codeunits(a, 0, 7), pa.scalar("01"), "-")
        return {name: pc.if_else(ok, month, pa.scalar(None, pa.string()))}
    if col.type == "date":
        ok_shape = pc.match_substring_regex(a, r"^\d{4}-\d{2}-\d{2}$")
        parsed = pc.strptime(pc.if_else(ok_shape, a, pa.scalar("x")), format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2027-02-30 over to March: a real date prints back as it was written
        real = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), a)
        parsed = pc.if_else(pc.fill_null(real, False), parsed, pa.scalar(None, parsed.type))
        bad = pc.and_(nonblank, pc.is_null(parsed))
        errors.add_mask(rownums, bad, name, a, "is not a date (YYYY-MM-DD)")
        month = pc.strftime(parsed, format="%Y-%m-01")
        return {name: pc.if_else(pc.is_null(parsed), pa.scalar(None, pa.string()), a), "period": month}
    if col.type == "ref":
        lookup = lookups[col.ref]
        key = a
        if col.ref == "option":
            component = pc.utf8_trim_whitespace(batch.columns["component"]) if "component" in batch.columns else pa.nulls(len(a), pa.string())
            key = pc.binary_join_element_wise(component, a, "\x1f")
        idx = pc.index_in(key, value_set=lookup.codes)
        errors.add_mask(rownums, pc.and_(nonblank, pc.is_null(idx)), name, a, f"unknown {REF_LABEL[col.ref]} code")
        out = {name: pc.take(lookup.ids, idx), f"{name}__code": pc.if_else(blank, pa.scalar(None, pa.string()), a)}
        if lookup.family_ids is not None:
            out["sku__family"] = pc.take(lookup.family_ids, idx)
        return out
    raise ValueError(f"unknown column type {col.type}")


def _row_rules(kind: Kind, out: dict[str, pa.Array], rownums, errors: Errors) -> None:
    if "family" in kind.column_names and "sku" in kind.column_names:
        n = len(rownums)
        fam = out.get("family", pa.nulls(n, pa.int64()))
        sku = out.get("sku", pa.nulls(n, pa.int64()))
        fam_code = out.get("family__code", pa.nulls(n, pa.string()))
        sku_code = out.get("sku__code", pa.nulls(n, pa.string()))
        neither = pc.and_(pc.is_null(fam_code), pc.is_null(sku_code))
        errors.add_mask(rownums, neither, "family", pa.array([""] * n), "needs a family or a sku")
        if "sku__family" in out:
            derived = out["sku__family"]
            clash = pc.and_(pc.and_(pc.is_valid(fam), pc.is_valid(sku)), pc.not_equal(pc.fill_null(derived, -1), fam))
            errors.add_mask(rownums, clash, "sku", sku_code, lambda code: f"SKU {code} belongs to another family than the row says")
            out["family"] = pc.if_else(pc.is_valid(sku), derived, fam)
    if kind.name == "capacity":
        n = len(rownums)
        neither = pc.and_(pc.is_null(out.get("hours", pa.nulls(n, pa.string()))), pc.is_null(out.get("workers", pa.nulls(n, pa.string()))))
        errors.add_mask(rownums, neither, "hours", pa.array([""] * n), "needs hours or workers")


def _mixed_grain(kind: Kind, table: pa.Table, errors: Errors, lookups: dict[str, Lookup]) -> None:
    """A family row and SKU rows of the same family, channel and month would count twice."""
    if not {"family", "sku", "channel", "period"} <= set(table.column_names):
        return
    sku = table.column("sku").combine_chunks()
    is_family_row = np.asarray(pc.is_null(sku).to_numpy(zero_copy_only=False), dtype=bool)
    if is_family_row.all() or not is_family_row.any():
        return
    fam, chan, per = (_key_array(table.column(n)) for n in ("family", "channel", "period"))
    key = (fam * 100_003 + chan) * 100_003 + per
    clash = np.flatnonzero(~is_family_row & np.isin(key, key[is_family_row]) & (fam >= 0))
    if not len(clash):
        return
    rows = table.column("__row").to_numpy()
    codes = dict(zip(lookups["family"].ids.to_pylist(), lookups["family"].codes.to_pylist(), strict=True))
    fams = table.column("family").to_numpy(zero_copy_only=False)
    for i in clash:
        if len(errors.items) >= errors.cap:
            errors.count += 1
            continue
        errors.add(int(rows[i]), "sku", codes.get(int(fams[i]), ""),
                   "the file also has a family row for this family, channel and month: it would count twice")


def _key_array(column) -> np.ndarray:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_integer(column.type):
        return np.asarray(pc.fill_null(column, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    encoded = pc.dictionary_encode(pc.fill_null(column.cast(pa.string()), ""))
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _duplicates(kind: Kind, table: pa.Table, errors: Errors, lookups: dict[str, Lookup]) -> None:
    """Rows whose key repeats an earlier row's; numpy lexsort (a few int arrays, no hash table)."""
    names = [n for n in kind.key if n in table.column_names]
    n = table.num_rows
    if not names or n < 2:
        return
    arrays = [_key_array(table.column(name)) for name in names]
    spans = [int(a.max()) + 2 for a in arrays]  # codes are >= -1
    if float(np.prod(spans, dtype=np.float64)) < 2.0 ** 62:  # one packed int64 key: one sort, one compare
        packed = np.zeros(n, dtype=np.int64)
        for a, span in zip(arrays, spans, strict=True):
            packed *= span
            packed += a + 1
        arrays = [packed]
        order = np.argsort(packed, kind="stable")  # stable: equal keys keep file order
    else:
        order = np.lexsort(arrays[::-1])
    same = np.ones(n - 1, dtype=bool)
    for a in arrays:
        s = a[order]
        same &= s[1:] == s[:-1]
        del s
    if not same.any():
        return
    repeat = np.concatenate(([False], same))
    group = np.cumsum(~repeat) - 1
    firsts = order[np.flatnonzero(~repeat)][group]
    dup_pos = np.flatnonzero(repeat)
    rows_np = table.column("__row").to_numpy()
    pairs = sorted((int(rows_np[order[p]]), int(rows_np[firsts[p]]), int(order[p])) for p in dup_pos)
    shown = ", ".join(names)
    codes = {}
    for name in names:
        col = kind.col(name) if name in kind.column_names else None
        if f"{name}__code" in table.column_names:
            codes[name] = table.column(f"{name}__code")
        elif col is not None and col.type == "ref":  # ids back to codes (few rows: only duplicates)
            lookup = lookups[col.ref]
            back = dict(zip(lookup.ids.to_pylist(), lookup.codes.to_pylist(), strict=True))
            codes[name] = {i: back.get(table.column(name)[i].as_py()) for _, _, i in pairs[: errors.cap]}
        else:
            codes[name] = table.column(name)
    for k, (row, first, index) in enumerate(pairs):
        if k >= errors.cap:
            errors.count += len(pairs) - k
            break
        values = []
        for name in names:
            source = codes[name]
            value = source.get(index) if isinstance(source, dict) else source[index].as_py()
            if value not in (None, ""):
                values.append(_show(value))
        errors.add(row, names[0], " / ".join(values), f"duplicate key ({shown}) of row {first}")


def validate(kind: Kind, header: list[str], batches: Iterator[Batch], lookups: dict[str, Lookup],
             progress=None, sink=None) -> Result:
    """sink: called with each block's typed table while the file is still valid (the loader
    writes it at once); the result then keeps only the key columns, for the checks across the
    whole file, and no table."""
    errors = Errors()
    result = Result(errors=errors, header=header)
    _check_header(kind, header, errors)
    if errors.count:
        return result
    columns = [kind.col(h) for h in header]
    tables: list[pa.Table] = []
    key_tables: list[pa.Table] = []
    for batch in batches:
        if "__invalid__" in batch.columns:
            errors.add_mask(batch.rownums, pa.array([True] * len(batch.rownums)), "", batch.columns["__invalid__"], "wrong number of fields")
            result.rows += len(batch.rownums)
            continue
        out: dict[str, pa.Array] = {}
        for col in columns:
            out.update(_column(col, batch.columns[col.name], batch.rownums, errors, lookups, batch))
        _row_rules(kind, out, batch.rownums, errors)
        result.rows += len(batch.rownums)
        out["__row"] = pa.array(batch.rownums)
        # Codes are kept only where the loader needs them (master data); actuals keep ids.
        keep = [c for c in out if not c.endswith("__code") or not kind.is_actuals]
        full = pa.table({c: out[c] for c in keep})
        if sink is not None:
            if not errors.count:
                sink(full)
            key_tables.append(full.select(_key_columns(kind, full)))
        elif not errors.count:  # keep every typed column only while the file can still be valid
            tables.append(full)
        else:
            if tables:  # the file just became invalid: keep only what the duplicate check needs
                key_tables.extend(t.select(_key_columns(kind, t)) for t in tables)
                tables = []
            key_tables.append(full.select(_key_columns(kind, full)))
        if progress is not None:
            progress(result.rows)
    if result.rows == 0 and not errors.count:
        errors.add(2, "", "", "the file has no data rows")
    if tables:
        table = pa.concat_tables(tables)
        del tables
        _duplicates(kind, table, errors, lookups)
        _mixed_grain(kind, table, errors, lookups)
        if not errors.count:
            result.table = table
    elif key_tables:
        keys = pa.concat_tables(key_tables)
        del key_tables
        _duplicates(kind, keys, errors, lookups)
        if sink is not None and not errors.count:
            _mixed_grain(kind, keys, errors, lookups)
    return result


def _key_columns(kind: Kind, table: pa.Table) -> list[str]:
    return [c for c in table.column_names if c == "__row" or c in kind.key or c.removesuffix("__code") in kind.key]


def _show(value) -> str:
    text = str(value)
    return text[:7] if len(text) == 10 and text.endswith("-01") and text[4] == "-" else text
