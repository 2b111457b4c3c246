"""Applying a validated file: lookups before validation, then the write in one transaction.

Actuals are written straight into their table, marked with their batch (on PostgreSQL by a
binary COPY that runs while the rest of the file is validated), then compared there with the
earlier rows of the scope they replace (rows added, updated, unchanged, removed), which are
deleted; see ActualsWriter. Master data is small and goes through the ORM
row by row, so the history can say what changed in each row.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.apps import apps
from django.db import connection

from catalog import models as cat
from catalog.models import Channel, ProductFamily
from reviews.imports import pgcopy
from reviews.imports.kinds import Kind
from reviews.imports.validate import Errors, Lookup


@dataclass
class Outcome:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    replaced: int = 0
    stored: int = 0
    scope: dict = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)  # master data: per-row before/after (capped)


# --- lookups --------------------------------------------------------------------------------------


def _lookup(rows) -> Lookup:
    rows = list(rows)
    return Lookup(codes=pa.array([r[0] for r in rows], pa.string()), ids=pa.array([r[1] for r in rows], pa.int64()))


def lookups(kind: Kind) -> dict[str, Lookup]:
    needed = {c.ref for c in kind.columns if c.type == "ref"}
    out: dict[str, Lookup] = {}
    if "family" in needed:
        out["family"] = _lookup(cat.ProductFamily.objects.values_list("code", "id"))
    if "sku" in needed:
        rows = list(cat.Sku.objects.values_list("code", "id", "family_id"))
        out["sku"] = Lookup(
            codes=pa.array([r[0] for r in rows], pa.string()),
            ids=pa.array([r[1] for r in rows], pa.int64()),
            family_ids=pa.array([r[2] for r in rows], pa.int64()),
        )
    if "channel" in needed:
        out["channel"] = _lookup(cat.Channel.objects.values_list("code", "id"))
    if "resource" in needed:
        out["resource"] = _lookup(cat.Resource.objects.values_list("code", "id"))
    if "component" in needed:
        out["component"] = _lookup(cat.Component.objects.values_list("code", "id"))
    if "option" in needed:
        out["option"] = _lookup(
            (f"{c}\x1f{o}", i) for c, o, i in cat.SupplyOption.objects.values_list("component__code", "code", "id")
        )
    return out


# --- values ---------------------------------------------------------------------------------------


def _py(col_type: str, value):
    if value is None:
        return None
    if col_type in ("decimal", "share", "signed"):
        return Decimal(value)
    if col_type == "integer":
        return int(value)
    if col_type in ("period",):
        return dt.date.fromisoformat(value)
    return value


# --- master data ----------------------------------------------------------------------------------

#: kind -> (model, natural key fields, {file column: model field})
MASTER = {
    "families": (cat.ProductFamily, ("code",), {}),
    "skus": (cat.Sku, ("code",), {"family": "family_id"}),
    "channels": (cat.Channel, ("code",), {}),
    "resources": (cat.Resource, ("code",), {}),
    "components": (cat.Component, ("code",), {}),
    "supply_options": (cat.SupplyOption, ("component_id", "code"), {"component": "component_id"}),
    "routings": (cat.Routing, ("family_id", "resource_id"), {"family": "family_id", "resource": "resource_id"}),
    "bom": (cat.BomLine, ("family_id", "component_id"), {"family": "family_id", "component": "component_id"}),
    "family_prices": (cat.FamilyPrice, ("family_id", "effective_from"), {"family": "family_id"}),
    "option_prices": (cat.SupplyOptionPrice, ("option_id", "effective_from"), {"option": "option_id", "component": None}),
    "budget": (cat.BudgetLine, ("family_id", "month"), {"family": "family_id", "period": "month"}),
}
#: replace-scope kinds: the field whose values in the file define the scope
MASTER_SCOPE = {"routings": "family_id", "bom": "family_id", "family_prices": "family_id", "option_prices": "option_id", "budget": "month"}
CHANGES_CAP = 50
SCOPE_LIST = 100  # families named in a batch's scope (more are counted)


def _master_row_errors(kind: str, obj, row: int, errors: Errors) -> None:
    if kind == "channels" and obj.backlog_cost is None and obj.lost_sale_cost is None:
        errors.add(row, "lost_sale_cost", "", "a channel that takes no backlog must allow lost sales (give a lost_sale_cost)")
    if kind == "families" and obj.subcontract_capacity is not None and obj.subcontract_cost is None:
        errors.add(row, "subcontract_cost", "", "a subcontract capacity needs a subcontract cost")
    if kind == "resources":
        if obj.kind == "capacity" and obj.capacity_hours is None:
            errors.add(row, "capacity_hours", "", "a fixed-capacity resource needs capacity_hours")
        if obj.kind == "workforce":
            for name in ("workforce_initial", "hours_per_worker"):
                if getattr(obj, name) is None:
                    errors.add(row, name, "", "a workforce resource needs workforce_initial and hours_per_worker")
                    break
        if obj.workforce_min is not None and obj.workforce_max is not None and obj.workforce_min > obj.workforce_max:
            errors.add(row, "workforce_min", str(obj.workforce_min), "is above workforce_max")


def _jsonable(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def master_apply(kind: Kind, table: pa.Table, errors: Errors, *, dry_run: bool) -> Outcome:
    """Upserts master data; replace-scope kinds also remove rows of their scope not in the file.
    Row rules that need the final state of a row (e.g. a channel must allow backlog or lost
    sales) are checked here and reported like any other error; nothing is written then."""
    model, natural, renames = MASTER[kind.name]
    types = {c.name: c.type for c in kind.columns}
    file_cols = [c for c in table.column_names if not c.startswith("__") and "__" not in c and c != "sku__family"]
    fields: dict[str, str] = {}
    for column in file_cols:
        target = renames.get(column, column)
        if target:
            fields[column] = target
    rows = table.to_pylist()
    existing = {tuple(getattr(o, f) for f in natural): o for o in model.objects.all()}
    scope_field = MASTER_SCOPE.get(kind.name)
    outcome = Outcome()
    seen_keys = set()
    to_create, to_update = [], []
    update_fields: set[str] = set()
    for row in rows:
        values = {fields[c]: _py(types[c], row[c]) for c in fields}
        key = tuple(values[f] for f in natural)
        seen_keys.add(key)
        obj = existing.get(key)
        if obj is None:
            obj = model(**{f: v for f, v in values.items() if v is not None or model._meta.get_field(f).null})
            _master_row_errors(kind.name, obj, row["__row"], errors)
            to_create.append(obj)
            outcome.added += 1
            if len(outcome.changes) < CHANGES_CAP:
                outcome.changes.append({"key": [_jsonable(k) for k in key], "after": {f: _jsonable(v) for f, v in values.items()}})
            continue
        before, after = {}, {}
        for f, v in values.items():
            model_field = model._meta.get_field(f)
            if v is None and not model_field.null:
                v = model_field.get_default()
            old = getattr(obj, f)
            if old != v:
                before[f], after[f] = _jsonable(old), _jsonable(v)
                setattr(obj, f, v)
                update_fields.add(f)
        _master_row_errors(kind.name, obj, row["__row"], errors)
        if after:
            to_update.append(obj)
            outcome.updated += 1
            if len(outcome.changes) < CHANGES_CAP:
                outcome.changes.append({"key": [_jsonable(k) for k in key], "before": before, "after": after})
        else:
            outcome.unchanged += 1
    removed = []
    if scope_field:
        scope_values = {dict(zip(natural, k, strict=True))[scope_field] for k in seen_keys}
        removed = [o for k, o in existing.items() if getattr(o, scope_field) in scope_values and k not in seen_keys]
        outcome.removed = len(removed)
        outcome.scope = {scope_field.removesuffix("_id"): sorted(str(_jsonable(v)) for v in scope_values)}
        for o in removed[: max(0, CHANGES_CAP - len(outcome.changes))]:
            outcome.changes.append({"key": [_jsonable(getattr(o, f)) for f in natural], "removed": True})
    if errors.count or dry_run:
        return outcome
    if removed:
        model.objects.filter(pk__in=[o.pk for o in removed]).delete()
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        if any(f.name == "updated_at" for f in model._meta.fields):
            from django.utils import timezone

            now = timezone.now()
            for o in to_update:
                o.updated_at = now
            update_fields.add("updated_at")
        model.objects.bulk_update(to_update, sorted(update_fields), batch_size=1000)
    if kind.name == "skus" and to_update and "family_id" in update_fields:
        _rederive_families([o.pk for o in to_update])
    outcome.stored = len(rows)
    return outcome


def _rederive_families(sku_ids: list[int]) -> None:
    """A SKU moved to another family: its shipments and bookings follow (the family is derived)."""
    from reviews.models import Booking, Shipment

    for model in (Shipment, Booking):
        for sku in cat.Sku.objects.filter(pk__in=sku_ids).only("id", "family_id"):
            model.objects.filter(sku_id=sku.pk).update(family_id=sku.family_id)


# --- actuals --------------------------------------------------------------------------------------

#: kind -> (target columns in order, key columns, numeric columns with their scale, scope by)
ACTUALS = {
    "shipments": (("family_id", "sku_id", "channel_id", "period", "quantity", "revenue"), ("family_id", "sku_id", "channel_id", "period"), {"quantity": 3, "revenue": 2}, "periods"),
    "bookings": (("family_id", "sku_id", "channel_id", "period", "quantity", "revenue"), ("family_id", "sku_id", "channel_id", "period"), {"quantity": 3, "revenue": 2}, "periods"),
    "financials": (("family_id", "channel_id", "period", "revenue", "cogs", "margin"), ("family_id", "channel_id", "period"), {"revenue": 2, "cogs": 2, "margin": 2}, "periods"),
    "inventory": (("cycle_id", "family_id", "period", "on_hand", "receipts", "value"), ("family_id", "period"), {"on_hand": 3, "receipts": 3, "value": 2}, "cycle_periods"),
    "open_orders": (("cycle_id", "family_id", "channel_id", "period", "quantity", "value"), ("family_id", "channel_id", "period"), {"quantity": 3, "value": 2}, "cycle"),
    "capacity": (("cycle_id", "resource_id", "period", "hours", "workers"), ("resource_id", "period"), {"hours": 3, "workers": 2}, "cycle_periods"),
    "component_supply": (("cycle_id", "component_id", "period", "on_hand", "receipts"), ("component_id", "period"), {"on_hand": 3, "receipts": 3}, "cycle"),
}
DEFAULT_ZERO = {"revenue", "cogs", "receipts_cs"}


def _decimal(array: pa.Array, scale: int) -> pa.Array:
    try:  # the common case, no more decimals than stored: a direct cast, ~5x faster
        return pc.cast(array, pa.decimal128(18, scale))
    except pa.ArrowInvalid:  # more decimals: round half to even, as Decimal.quantize would
        pass
    try:  # up to 20 decimals (values are below 1e11): exact
        wide = pc.cast(array, pa.decimal128(38, 20))
    except pa.ArrowInvalid:  # more (a spreadsheet's 3.14159265358979323846, 1e-30): through float64
        wide = pc.cast(array, pa.float64())
    return pc.cast(pc.round(wide, ndigits=scale), pa.decimal128(18, scale), safe=False)


def actuals_table(kind: Kind, table: pa.Table, *, batch_id: int, cycle) -> pa.Table:
    """The rows to store, in the target's column order (SKU rows keep the SKU, the family is derived;
    dated rows are summed into their month)."""
    columns, key, numeric, _ = ACTUALS[kind.name]
    n = table.num_rows
    out: dict[str, pa.Array] = {}
    for target in columns:
        source = target.removesuffix("_id")
        if target == "cycle_id":
            out[target] = pa.array(np.full(n, cycle.pk, dtype=np.int64))
        elif target == "period":
            col = table.column("period") if "period" in table.column_names else pa.nulls(n, pa.string())
            if kind.name == "open_orders":
                col = pc.fill_null(col, cycle.start_month.isoformat())
            out[target] = pc.cast(col, pa.date32())
        elif target in numeric:
            col = table.column(source) if source in table.column_names else pa.nulls(n, pa.string())
            dec = _decimal(col, numeric[target])
            if target in ("revenue", "cogs") or (target == "receipts" and kind.name == "component_supply"):
                dec = pc.fill_null(dec, pa.scalar(Decimal(0), dec.type))
            out[target] = dec
        else:
            out[target] = table.column(source) if source in table.column_names else pa.nulls(n, pa.int64())
    if kind.name == "financials" and "margin" not in table.column_names:
        out["margin"] = pc.cast(pc.subtract(out["revenue"], out["cogs"]), pa.decimal128(18, 2))
    result = pa.table(out)
    if "date" in table.column_names:  # dated rows: one row per month
        keys = [c for c in columns if c not in numeric]
        filled = result
        for k in keys:
            col = filled.column(k)
            if pa.types.is_integer(col.type):
                filled = filled.set_column(filled.column_names.index(k), k, pc.fill_null(col, -1))
        grouped = filled.group_by(keys).aggregate([(c, "sum") for c in numeric])
        grouped = grouped.rename_columns([c.removesuffix("_sum") for c in grouped.column_names])
        fixed = {}
        for k in columns:
            col = grouped.column(k)
            if pa.types.is_integer(col.type):
                col = pc.if_else(pc.equal(col, -1), pa.scalar(None, col.type), col)
            elif pa.types.is_decimal(col.type):
                col = pc.cast(col, pa.decimal128(18, numeric[k]))
            fixed[k] = col
        result = pa.table(fixed)
    return result.append_column("batch_id", pa.array(np.full(result.num_rows, batch_id, dtype=np.int64)))


SCOPE_TABLE = "import_scope"


def scope_keys(rows: pa.Table) -> pa.Table:
    """The distinct (month, item, channel) of some rows to store: the item is the family, or
    for a SKU without a family the SKU (negated), or the resource or component; 0 where the kind
    has no such column. Enough to describe and select the scope a file replaces."""
    n = rows.num_rows
    names = rows.column_names
    zero = pa.array(np.zeros(n, np.int64))
    if "family_id" in names:
        item = pc.fill_null(rows.column("family_id"), 0)
        if "sku_id" in names:
            item = pc.if_else(pc.is_null(rows.column("family_id")), pc.negate(rows.column("sku_id")), item)
    else:
        item = zero
    channel = pc.fill_null(rows.column("channel_id"), 0) if "channel_id" in names else zero
    return pa.table({"period": rows.column("period"), "item": item, "channel": channel}).group_by(
        ["period", "item", "channel"]).aggregate([])


def _scope(kind: Kind, combos: pa.Table, cycle, cur) -> tuple[Callable[[str], str], list, dict]:
    """The rows a file replaces, as a WHERE clause for a table alias (and its parameters).

    History kinds: every (month, family, channel) the file has rows for (SKU rows count for their
    family; a SKU without a family stands for itself), so a correction of one family's channel
    in one month leaves everything else alone. The combinations go to a temporary table, whatever
    their number. Inventory and capacity: the cycle and the months in the file. Open orders and
    component supply: the cycle. `combos` is scope_keys() of the rows."""
    columns, _, _, by = ACTUALS[kind.name]
    periods = sorted({d.isoformat() for d in pc.unique(combos.column("period")).to_pylist() if d is not None})
    labels = [p[:7] for p in periods]
    if by == "periods":
        cur.execute(f"DROP TABLE IF EXISTS {SCOPE_TABLE}")
        cur.execute(f"CREATE TEMP TABLE {SCOPE_TABLE} (scope_period date, scope_item bigint, scope_channel bigint)")
        cur.executemany(f"INSERT INTO {SCOPE_TABLE} (scope_period, scope_item, scope_channel) VALUES (%s, %s, %s)",
                        list(zip(*(combos.column(c).to_pylist() for c in ("period", "item", "channel")), strict=True)))
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {SCOPE_TABLE}")
        item_sql = "COALESCE({p}family_id, -{p}sku_id)" if "sku_id" in columns else "COALESCE({p}family_id, 0)"
        channel_sql = "COALESCE({p}channel_id, 0)" if "channel_id" in columns else "0"

        def where(prefix: str) -> str:
            return (f"EXISTS (SELECT 1 FROM {SCOPE_TABLE} sc WHERE sc.scope_period = {prefix}period "
                    f"AND sc.scope_item = {item_sql.format(p=prefix)} AND sc.scope_channel = {channel_sql.format(p=prefix)})")

        family_ids = sorted(i for i in pc.unique(combos.column("item")).to_pylist() if i > 0)
        codes = sorted(ProductFamily.objects.filter(pk__in=family_ids[:SCOPE_LIST]).values_list("code", flat=True))
        described = {"periods": labels, "families": codes}
        if "channel_id" in columns:
            channel_ids = {i for i in pc.unique(combos.column("channel")).to_pylist() if i}
            described["channels"] = sorted(Channel.objects.filter(pk__in=channel_ids).values_list("code", flat=True))
        if len(family_ids) > SCOPE_LIST:
            described["families_count"] = len(family_ids)
        described["combinations"] = combos.num_rows
        return where, [], described
    marks = ", ".join(["%s"] * len(periods))
    if by == "cycle_periods":
        return (lambda p: f"{p}cycle_id = %s AND {p}period IN ({marks})"), [cycle.pk, *periods], {"cycle": cycle.label, "periods": labels}
    return (lambda p: f"{p}cycle_id = %s"), [cycle.pk], {"cycle": cycle.label}


def streams(kind: Kind, header: list[str]) -> bool:
    """Whether the rows of a file can be stored block by block while the rest is validated:
    on PostgreSQL, unless the file has dated rows (they are summed into months across the file)."""
    return kind.is_actuals and connection.vendor == "postgresql" and "date" not in header


class _Abort(Exception):
    """Ends a COPY without storing what was sent (the file turned out invalid)."""


class ActualsWriter:
    """Stores the rows of an actuals batch, then settles the scope they replace.

    `add` writes validated rows straight into the kind's table, marked with the batch: on
    PostgreSQL through one binary COPY (reviews.imports.pgcopy) fed from a writer thread, so the
    server stores block n while this process validates block n+1; elsewhere by INSERT. `settle`
    then compares the new rows with the earlier rows of the scope inside the table (added,
    updated, unchanged, removed) and deletes the earlier ones. All of it runs in the caller's
    transaction, under the caller's lock of the kind; a rejected file or a dry run is rolled back
    by the caller, so nothing of it is ever seen."""

    def __init__(self, kind: Kind, *, batch_id: int, cycle):
        self.kind, self.batch_id, self.cycle = kind, batch_id, cycle
        self.target = apps.get_model(kind.model)._meta.db_table
        self.columns = (*ACTUALS[kind.name][0], "batch_id")
        self.rows = 0
        self._keys: list[pa.Table] = []
        self._cursor = None
        self._copy = None
        self._stack: contextlib.ExitStack | None = None
        self._sequence = ""
        self._next_id = 0

    def add(self, table: pa.Table) -> None:
        """Stores a validated block (typed columns from validate)."""
        rows = actuals_table(self.kind, table, batch_id=self.batch_id, cycle=self.cycle)
        if not rows.num_rows:
            return
        self._keys.append(scope_keys(rows))
        self.rows += rows.num_rows
        if self._cursor is None:
            self._cursor = connection.cursor()
        if connection.vendor == "postgresql":
            if self._copy is None:
                self._open_copy()
            ids = np.arange(self._next_id, self._next_id + rows.num_rows, dtype=np.int64)
            self._next_id += rows.num_rows
            for buffer in pgcopy.encode(rows.append_column("id", pa.array(ids)), [*self.columns, "id"]):
                self._copy.write(buffer)
        else:
            cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
            marks = ", ".join(["%s"] * len(self.columns))
            self._cursor.executemany(f"INSERT INTO {self.target} ({cols}) VALUES ({marks})",
                                     [tuple(r.values()) for r in rows.select(list(self.columns)).to_pylist()])

    def _open_copy(self) -> None:
        """Starts the COPY. The ids are given, not drawn from the sequence row by row (that costs
        the server ~15 % of the COPY): the table is locked against other writers (readers go on)
        for the rest of the transaction, so nobody else draws from its sequence meanwhile; the
        sequence is moved past the ids used when the COPY ends."""
        from psycopg.copy import QueuedLibpqWriter

        raw = self._cursor.cursor
        raw.execute(f"LOCK TABLE {self.target} IN SHARE ROW EXCLUSIVE MODE")
        raw.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.target])
        self._sequence = raw.fetchone()[0]
        raw.execute("SELECT nextval(%s)", [self._sequence])
        self._next_id = raw.fetchone()[0]
        cols = ", ".join(connection.ops.quote_name(c) for c in (*self.columns, "id"))
        self._stack = contextlib.ExitStack()
        self._copy = self._stack.enter_context(
            raw.copy(f"COPY {self.target} ({cols}) FROM STDIN (FORMAT binary)", writer=QueuedLibpqWriter(raw)))
        self._copy.write(pgcopy.HEADER)

    def close(self, *, abort: bool = False) -> None:
        """Ends the COPY (aborted: the server drops what it got; the caller rolls back)."""
        copy, self._copy = self._copy, None
        if copy is not None:
            if abort:
                self._stack.__exit__(_Abort, _Abort("import rejected"), None)
            else:
                copy.write(pgcopy.TRAILER)
                self._stack.close()
                self._cursor.cursor.execute("SELECT setval(%s, %s)", [self._sequence, self._next_id - 1])
        if self._cursor is not None and abort:
            self._cursor.close()
            self._cursor = None

    def settle(self) -> Outcome:
        """Counts the new rows against the earlier rows of their scope and deletes those."""
        self.close()
        columns, key, _, _ = ACTUALS[self.kind.name]
        qn = connection.ops.quote_name
        target = self.target
        cur = self._cursor or connection.cursor()
        try:
            keys = pa.concat_tables(self._keys).group_by(["period", "item", "channel"]).aggregate([])
            where_for, params, scope = _scope(self.kind, keys, self.cycle, cur)
            earlier = f"{where_for(f'{target}.')} AND {target}.batch_id <> %s"
            earlier_params = [*params, self.batch_id]
            outcome = Outcome(scope=scope)
            cur.execute(f"SELECT count(*) FROM {target} WHERE {earlier}", earlier_params)
            outcome.replaced = cur.fetchone()[0]
            matched = unchanged = 0
            if outcome.replaced:
                same = " AND ".join(f"COALESCE(t.{qn(k)}, 0) = COALESCE(s.{qn(k)}, 0)" if k.endswith("_id") else f"t.{qn(k)} = s.{qn(k)}" for k in key)
                nulleq = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
                equal = " AND ".join(f"t.{qn(c)} {nulleq} s.{qn(c)}" for c in columns if c not in key)
                cur.execute(
                    f"SELECT count(*), COALESCE(SUM(CASE WHEN {equal} THEN 1 ELSE 0 END), 0) "
                    f"FROM {target} s JOIN {target} t ON {same} "
                    f"WHERE s.batch_id = %s AND {where_for('t.')} AND t.batch_id <> %s",
                    [self.batch_id, *params, self.batch_id],
                )
                matched, unchanged = cur.fetchone()
                cur.execute(f"DELETE FROM {target} WHERE {earlier}", earlier_params)
            outcome.added = self.rows - matched
            outcome.updated = matched - int(unchanged)
            outcome.unchanged = int(unchanged)
            outcome.removed = outcome.replaced - matched
            outcome.stored = self.rows
            cur.execute(f"DROP TABLE IF EXISTS {SCOPE_TABLE}")
        finally:
            cur.close()
            self._cursor = None
        return outcome
