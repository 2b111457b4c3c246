"""PostgreSQL's binary COPY format, written straight from Arrow columns with numpy.

Why our own encoder: psycopg's binary COPY (`Copy.write_row`) converts every value through
Python objects, a few microseconds each: for a million rows of seven columns that alone costs
more than the whole COPY. The binary format is simple and documented
(https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"): a header, then per
row a field count and per field a length (-1 for NULL) and the value in the type's binary
send format; a trailer. Every value here has a fixed width (numeric is written with a fixed
number of base-10000 digits, which `numeric_recv` accepts and normalises), so the rows of one
NULL pattern form a byte matrix filled column by column, with no per-row Python.

Types: int16/32/64, bool, float64, date32 (`date`) and decimal128 with a scale of at most 4
(`numeric(p, s)`). Anything else raises TypeError (the caller then uses text COPY).
"""
from __future__ import annotations

import math
import struct

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
PG_EPOCH_DAYS = 10957  # 2000-01-01 - 1970-01-01
NUMERIC_NEG = 0x4000
NBASE = 10000


def _unscaled(array: pa.Array) -> np.ndarray:
    """The unscaled integer values of a decimal128 array (exact while they fit in int64)."""
    n = len(array)
    data = array.buffers()[1]
    words = np.frombuffer(data, dtype="<i8", count=2 * (array.offset + n))
    low = words[2 * array.offset:: 2]
    high = words[2 * array.offset + 1:: 2]
    if len(low) and not np.array_equal(high, low >> 63):
        raise TypeError("decimal values beyond int64 range")
    return low


def _valid(array: pa.Array, fill) -> pa.Array:
    return pc.fill_null(array, fill) if array.null_count else array


class _Numeric:
    """A decimal column as numeric with a fixed number of base-10000 digits for every row:
    enough whole digits for the largest value, and one fractional digit unless no row has a
    fraction (`numeric_recv` strips the zero digits again)."""

    def __init__(self, array: pa.Array):
        scale = array.type.scale
        if not 0 <= scale <= 4:
            raise TypeError(f"numeric scale {scale} is not supported")
        values = _unscaled(array)
        if array.null_count:
            values = np.where(np.asarray(array.is_valid().to_numpy(zero_copy_only=False)), values, 0)
        self.scale = scale
        self.negative = values < 0 if values.min(initial=0) < 0 else None
        absolute = np.abs(values) if self.negative is not None else values
        unit = 10 ** scale
        if scale:
            self.whole_part, fraction = np.divmod(absolute, unit)
            self.fraction = fraction * (10 ** (4 - scale)) if fraction.any() else None
        else:
            self.whole_part, self.fraction = absolute, None
        top = int(self.whole_part.max(initial=0))
        self.whole = max(1, math.ceil(len(str(top)) / 4))
        self.digits = self.whole + (self.fraction is not None)

    def width(self) -> int:
        return 8 + 2 * self.digits

    def template(self) -> bytes:
        return struct.pack(">hhHh", self.digits, self.whole - 1, 0, self.scale) + bytes(2 * self.digits)

    def fill(self, rec: np.ndarray, at: int, rows: np.ndarray | None) -> None:
        pick = (lambda a: a) if rows is None else (lambda a: a[rows])
        m = rec.shape[0]
        if self.negative is not None:
            sign = np.where(pick(self.negative), NUMERIC_NEG, 0).astype(">u2")
            rec[:, at + 4: at + 6] = sign.view(np.uint8).reshape(m, 2)
        digits = np.empty((m, self.digits), dtype=">u2")
        whole = pick(self.whole_part)
        for i in range(self.whole):
            digits[:, self.whole - 1 - i] = (whole // NBASE ** i) % NBASE if i else whole % NBASE
        if self.fraction is not None:
            digits[:, self.whole] = pick(self.fraction)
        rec[:, at + 8: at + 8 + 2 * self.digits] = digits.view(np.uint8).reshape(m, 2 * self.digits)


class _Plain:
    def __init__(self, array: pa.Array):
        t = array.type
        if pa.types.is_date32(t):
            self.dtype, self.values = ">i4", np.asarray(_valid(array, 0).cast(pa.int32()).to_numpy()) - PG_EPOCH_DAYS
        elif pa.types.is_int64(t):
            self.dtype, self.values = ">i8", np.asarray(_valid(array, 0).to_numpy())
        elif pa.types.is_int32(t):
            self.dtype, self.values = ">i4", np.asarray(_valid(array, 0).to_numpy())
        elif pa.types.is_int16(t):
            self.dtype, self.values = ">i2", np.asarray(_valid(array, 0).to_numpy())
        elif pa.types.is_boolean(t):
            self.dtype, self.values = "u1", np.asarray(_valid(array, False).to_numpy(zero_copy_only=False), dtype=np.uint8)
        elif pa.types.is_float64(t):
            self.dtype, self.values = ">f8", np.asarray(_valid(array, 0.0).to_numpy())
        else:
            raise TypeError(f"no binary COPY encoder for {t}")
        # one value in every row (a batch id, a cycle): written once, in the template row
        self.constant = len(self.values) > 0 and self.values.min() == self.values.max()

    def width(self) -> int:
        return np.dtype(self.dtype).itemsize

    def template(self) -> bytes:
        return np.asarray(self.values[:1], dtype=self.dtype).tobytes() if self.constant else bytes(self.width())

    def fill(self, rec: np.ndarray, at: int, rows: np.ndarray | None) -> None:
        if self.constant:
            return
        values = (self.values if rows is None else self.values[rows]).astype(self.dtype, copy=False)
        w = self.width()
        rec[:, at: at + w] = values.view(np.uint8).reshape(rec.shape[0], w)


def _encoder(array: pa.Array):
    if pa.types.is_decimal(array.type):
        return _Numeric(array)
    return _Plain(array)


def encode(table: pa.Table, columns: list[str]) -> list[memoryview]:
    """The rows of `table` (these columns, in this order) as binary COPY tuples, without the
    header and trailer; one buffer per NULL pattern (row order is not kept across patterns).

    Each buffer is an (rows x row width) byte matrix: a template row (field count, lengths,
    numeric headers, constant columns) broadcast into every row, then each varying column
    written into its byte slice as big-endian values."""
    n = table.num_rows
    if n == 0:
        return []
    arrays = [table.column(c).combine_chunks() if isinstance(table.column(c), pa.ChunkedArray) else table.column(c)
              for c in columns]
    encoders = [_encoder(a) for a in arrays]
    nullable = [j for j, a in enumerate(arrays) if a.null_count]
    if nullable:
        pattern = np.zeros(n, dtype=np.int64)
        for bit, j in enumerate(nullable):
            pattern |= np.asarray(arrays[j].is_null().to_numpy(zero_copy_only=False), dtype=np.int64) << bit
        groups = [(int(code), np.flatnonzero(pattern == code)) for code in np.unique(pattern)]
    else:
        groups = [(0, None)]
    out = []
    for code, rows in groups:
        nulls = {j for bit, j in enumerate(nullable) if code >> bit & 1}
        template = bytearray(struct.pack(">h", len(columns)))
        places = []
        for j, enc in enumerate(encoders):
            if j in nulls:
                template += struct.pack(">i", -1)
                continue
            template += struct.pack(">i", enc.width())
            places.append((enc, len(template)))
            template += enc.template()
        m = n if rows is None else len(rows)
        # bytes repetition is a doubling memcpy: much faster than numpy broadcasting a short row
        rec = np.frombuffer(template * m, dtype=np.uint8).reshape(m, len(template))
        for enc, at in places:
            enc.fill(rec, at, rows)
        out.append(memoryview(rec.reshape(-1)))
    return out
