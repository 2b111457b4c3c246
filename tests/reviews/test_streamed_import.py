"""Actuals written block by block while the file is still being validated.

On PostgreSQL each valid block goes into the table by binary COPY before the next is read; the
rules of the whole file (every row valid, no duplicate key, no mixed grain) still decide whether
any of it stays. SQLite validates the whole file first and writes after; the same tests hold
there. Small CSV blocks (IMPORT_CSV_BLOCK_BYTES) make a few hundred rows span several blocks.
"""
from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection, transaction

from cycles.models import Event
from reviews.imports import load, pgcopy
from reviews.models import ImportBatch, Shipment
from reviews.services.imports import _SideProgress
from tests.reviews.helpers import imp

FAMILIES = ("ART", "KIN")
CHANNELS = ("direct", "distributor", "ecommerce")
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]


def lines(quantity=lambda i: 10 + i):
    out = []
    i = 0
    for month in MONTHS:
        for family in FAMILIES:
            for channel in CHANNELS:
                out.append(f"{family},{channel},{month},{quantity(i)},{(10 + i) * 95}")
                i += 1
    return out


def csv(rows) -> str:
    return "family,channel,period,quantity,revenue\n" + "\n".join(rows) + "\n"


@pytest.fixture
def small_blocks(settings):
    settings.IMPORT_CSV_BLOCK_BYTES = 2048  # 216 rows of ~33 bytes: four blocks


@pytest.fixture
def blocks_written(monkeypatch):
    calls = []
    real = load.ActualsWriter.add

    def spy(self, table):
        calls.append(table.num_rows)
        return real(self, table)

    monkeypatch.setattr(load.ActualsWriter, "add", spy)
    return calls


def stored():
    return sorted(Shipment.objects.values_list("family__code", "channel__code", "period", "quantity", "revenue"))


def test_a_file_of_many_blocks_is_stored_whole(owner, catalog_loaded, small_blocks, blocks_written):
    batch = imp(owner, "shipments", csv(lines()))
    assert batch.status == "applied", batch.errors
    assert (batch.row_count, batch.rows_added) == (216, 216)
    assert Shipment.objects.count() == 216
    assert sum(Shipment.objects.values_list("quantity", flat=True)) == sum(10 + i for i in range(216))
    assert sum(blocks_written) == 216
    if connection.vendor == "postgresql":  # streamed: one write per block
        assert len(blocks_written) > 2
    else:  # validated whole, then written once
        assert len(blocks_written) == 1


def test_an_error_in_the_last_block_stores_nothing_of_the_file(owner, catalog_loaded, small_blocks, blocks_written):
    imp(owner, "shipments", csv(lines()))
    before = stored()
    blocks_written.clear()
    rows = lines(quantity=lambda i: 500 + i)
    rows[-1] = rows[-1].replace(",715,", ",-3,")  # the last row, in the last block
    batch = imp(owner, "shipments", csv(rows))
    assert batch.status == "rejected"
    assert batch.errors == [{"row": 217, "column": "quantity", "value": "-3", "reason": "must not be negative"}]
    assert stored() == before
    if connection.vendor == "postgresql":  # the earlier blocks had gone into the table, and were rolled back
        assert len(blocks_written) > 2
    assert not Event.objects.filter(verb="import.applied", object_id=str(batch.pk)).exists()
    # the connection is sound afterwards: the corrected file goes in
    rows[-1] = rows[-1].replace(",-3,", ",3,")
    again = imp(owner, "shipments", csv(rows))
    assert again.status == "applied" and (again.rows_updated, again.rows_added) == (216, 0)


def test_a_key_repeated_in_a_later_block_is_refused(owner, catalog_loaded, small_blocks):
    rows = lines()
    rows.append(rows[0].replace(",10,", ",11,"))
    batch = imp(owner, "shipments", csv(rows))
    assert batch.status == "rejected"
    assert batch.errors[0]["row"] == 218 and batch.errors[0]["reason"] == "duplicate key (family, channel, period) of row 2"
    assert not Shipment.objects.exists()


def test_a_sku_row_in_a_later_block_under_a_family_row_is_refused(owner, catalog_loaded, small_blocks):
    rows = lines()
    text = "family,sku,channel,period,quantity,revenue\n" + "\n".join(r.replace(",", ",,", 1) for r in rows)
    text += "\n,ART-C1,direct,2024-01,5,100\n"
    batch = imp(owner, "shipments", text)
    assert batch.status == "rejected"
    assert batch.errors[0]["row"] == 218 and "would count twice" in batch.errors[0]["reason"]
    assert not Shipment.objects.exists()


def test_a_dry_run_of_many_blocks_counts_and_stores_nothing(owner, catalog_loaded, small_blocks):
    imp(owner, "shipments", csv(lines()))
    before = stored()
    rows = lines()[: 200]
    rows[5] = rows[5].replace(",15,", ",16,")
    batch = imp(owner, "shipments", csv(rows), dry_run=True)
    assert batch.status == "validated"
    assert (batch.rows_added, batch.rows_updated, batch.rows_unchanged) == (0, 1, 199)
    assert ImportBatch.objects.get(pk=batch.pk).status == "validated"  # saved after the rollback
    assert stored() == before


def test_a_corrected_file_replaces_exactly_its_scope(owner, catalog_loaded, small_blocks):
    imp(owner, "shipments", csv(lines()))
    rows = [r for r in lines() if ",2024-" not in r and not r.startswith("KIN,ecommerce,2026-")]
    assert rows[0].startswith("ART,direct,2025-01,82,")
    rows[0] = rows[0].replace(",82,", ",83,")
    batch = imp(owner, "shipments", csv(rows))
    assert batch.status == "applied"
    assert (batch.rows_added, batch.rows_updated, batch.rows_unchanged, batch.rows_removed) == (0, 1, 131, 0)
    assert batch.scope["replaced"] == 132 and batch.scope["combinations"] == 132
    # what the file does not cover stays: 2024, and KIN ecommerce in 2026
    assert Shipment.objects.count() == 216
    assert Shipment.objects.filter(period__year=2024).count() == 72
    assert Shipment.objects.filter(family__code="KIN", channel__code="ecommerce", period__year=2026).count() == 12
    assert Shipment.objects.get(family__code="ART", channel__code="direct", period=dt.date(2025, 1, 1)).quantity == 83
    assert Shipment.objects.filter(batch=batch).count() == 132


def test_sku_rows_replace_the_family_rows_of_their_scope(owner, catalog_loaded, small_blocks):
    imp(owner, "shipments", csv(lines()))
    text = "sku,channel,period,quantity,revenue\nART-C1,direct,2024-01,4,380\nART-I1,direct,2024-01,6,570\n"
    batch = imp(owner, "shipments", text)
    assert batch.status == "applied"
    assert (batch.rows_added, batch.rows_removed) == (2, 1)
    rows = Shipment.objects.filter(family__code="ART", channel__code="direct", period=dt.date(2024, 1, 1))
    assert sorted(rows.values_list("sku__code", "quantity")) == [("ART-C1", 4), ("ART-I1", 6)]
    assert Shipment.objects.count() == 217


@pytest.mark.parametrize(("rows", "stored"), [
    # a few decimals more than stored: exact, half to even
    ("2026-01,1.23456,2.675\nART,direct,2026-02,7,2.665\nART,direct,2026-03,0.0005,10",
     [("1.235", "2.68"), ("7.000", "2.66"), ("0.000", "10.00")]),
    # any number of decimals or a tiny exponent: rounded, not a failed import
    ("2026-01,3.14159265358979323846264338,1e-30\nART,direct,2026-02,2.00000000000000000005,0.1234567890123",
     [("3.142", "0.00"), ("2.000", "0.12")]),
])
def test_decimals_beyond_the_stored_scale_are_rounded(owner, catalog_loaded, rows, stored):
    batch = imp(owner, "shipments", f"family,channel,period,quantity,revenue\nART,direct,{rows}\n")
    assert batch.status == "applied", batch.message
    got = sorted(Shipment.objects.values_list("period", "quantity", "revenue"))
    assert [(q, r) for _, q, r in got] == [(Decimal(q), Decimal(r)) for q, r in stored]


# --- the binary COPY encoder ------------------------------------------------------------------------

def decode(buffers, types):
    """A plain reading of PostgreSQL's binary tuple format, for the types the encoder writes."""
    out = []
    for buffer in buffers:
        data = bytes(buffer)
        at = 0
        while at < len(data):
            (count,) = struct.unpack_from(">h", data, at)
            at += 2
            row = []
            for t in types[:count]:
                (size,) = struct.unpack_from(">i", data, at)
                at += 4
                if size == -1:
                    row.append(None)
                    continue
                field = data[at: at + size]
                at += size
                if t == "int8":
                    row.append(struct.unpack(">q", field)[0])
                elif t == "date":
                    row.append(dt.date(2000, 1, 1) + dt.timedelta(days=struct.unpack(">i", field)[0]))
                elif t == "bool":
                    row.append(field == b"\x01")
                elif t == "float8":
                    row.append(struct.unpack(">d", field)[0])
                else:
                    ndigits, weight, sign, dscale = struct.unpack_from(">hhHh", field)
                    digits = struct.unpack_from(f">{ndigits}H", field, 8)
                    value = sum(Decimal(d) * Decimal(10000) ** (weight - i) for i, d in enumerate(digits))
                    assert all(0 <= d < 10000 for d in digits)
                    row.append((-value if sign == pgcopy.NUMERIC_NEG else value).quantize(Decimal(1).scaleb(-dscale)))
            out.append(tuple(row))
    return sorted(out, key=repr)


SAMPLE = {
    "a": pa.array([1, None, -5, 2**40], pa.int64()),
    "d": pa.array([dt.date(2027, 1, 1), dt.date(1999, 12, 31), None, dt.date(2000, 1, 1)], pa.date32()),
    "q": pa.array([Decimal("123456789012.345"), Decimal("-0.001"), Decimal("0"), None], pa.decimal128(18, 3)),
    "r": pa.array([Decimal("1.50"), Decimal("-99999999999.99"), Decimal("10000.00"), Decimal("0.01")], pa.decimal128(18, 2)),
    "w": pa.array([Decimal("3"), Decimal("40000"), Decimal("-7"), Decimal("0")], pa.decimal128(18, 3)),  # no fractions
    "b": pa.array([True, False, None, True]),
    "f": pa.array([0.5, -2.25, 1e300, None], pa.float64()),
    "k": pa.array([7, 7, 7, 7], pa.int64()),  # constant: written in the template row
}
TYPES = ["int8", "date", "numeric", "numeric", "numeric", "bool", "float8", "int8"]


def expected():
    table = pa.table(SAMPLE)
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


def test_the_encoder_writes_every_value_and_null_in_the_binary_format():
    buffers = pgcopy.encode(pa.table(SAMPLE), list(SAMPLE))
    assert len(buffers) == 4  # four NULL patterns
    assert decode(buffers, TYPES) == expected()


def test_the_encoder_refuses_a_type_it_cannot_write():
    with pytest.raises(TypeError, match="no binary COPY encoder"):
        pgcopy.encode(pa.table({"s": pa.array(["x"])}), ["s"])
    with pytest.raises(TypeError, match="scale 6"):
        pgcopy.encode(pa.table({"n": pa.array([Decimal("1.000001")], pa.decimal128(18, 6))}), ["n"])


def test_the_encoder_handles_many_rows_without_nulls():
    n = 10_000
    rng = np.random.default_rng(3)
    values = rng.integers(-10**13, 10**13, n)
    table = pa.table({"id": pa.array(np.arange(n)), "v": pa.array([Decimal(int(v)).scaleb(-2) for v in values], pa.decimal128(18, 2))})
    (buffer,) = pgcopy.encode(table, ["id", "v"])
    decoded = decode([buffer], ["int8", "numeric"])
    assert len(decoded) == n
    assert sorted(decoded) == sorted(zip(range(n), (Decimal(int(v)).scaleb(-2) for v in values), strict=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's")
def test_postgresql_reads_back_what_the_encoder_wrote(db):
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE enc (a bigint, d date, q numeric(16,3), r numeric(16,2), w numeric(12,3), "
                    "b boolean, f float8, k bigint)")
        with cur.cursor.copy("COPY enc FROM STDIN (FORMAT binary)") as copy:
            copy.write(pgcopy.HEADER)
            for buffer in pgcopy.encode(pa.table(SAMPLE), list(SAMPLE)):
                copy.write(buffer)
            copy.write(pgcopy.TRAILER)
        cur.execute("SELECT a, d, q, r, w, b, f, k FROM enc")
        got = sorted(cur.fetchall(), key=repr)
    assert got == expected()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the side connection is for PostgreSQL's open COPY")
@pytest.mark.django_db(transaction=True)
def test_progress_of_a_streamed_import_is_seen_outside_its_open_transaction(owner):
    batch = ImportBatch.objects.create(kind="shipments", source="cli", status="running", actor=owner)
    with transaction.atomic():
        side = _SideProgress(batch, 100_000)
        side.update(50_000)
        transaction.set_rollback(True)  # the import's own transaction changes nothing here
    side.close()
    assert ImportBatch.objects.get(pk=batch.pk).progress == 47
    assert ImportBatch.objects.get(pk=batch.pk).heartbeat_at is not None


def test_ids_given_by_an_import_leave_the_sequence_past_them(owner, catalog_loaded, small_blocks):
    batch = imp(owner, "shipments", csv(lines()))
    second = imp(owner, "shipments", csv([r.replace(",2024-", ",2023-") for r in lines() if ",2024-" in r]))
    assert second.rows_added == 72
    ids = sorted(Shipment.objects.values_list("id", flat=True))
    assert len(set(ids)) == len(ids) == 288
    row = Shipment.objects.filter(batch=batch).first()
    later = Shipment.objects.create(family=row.family, channel=row.channel, period=dt.date(2020, 1, 1),
                                    quantity=1, revenue=1, batch=batch)
    assert later.pk > ids[-1]
