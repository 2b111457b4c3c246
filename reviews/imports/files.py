"""Opening an import source safely: checks before any parser runs, then string batches.

A source is a CSV or XLSX file on disk (or bytes), or a list of JSON rows. Before parsing:
size limit, format by magic bytes, encoding (UTF-8, BOM allowed), no NUL bytes, a row limit,
and for XLSX the zip checks (entry count, declared uncompressed size and compression ratio:
Python's zipfile never inflates past an entry's declared size, so checking the declared
sizes bounds the work). A refused file raises FileRefused with a sentence for the user;
nothing in here can crash a worker or hang on a hostile file.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings

from sop.errors import ApplicationError

CHUNK = 1 << 20
BATCH_ROWS = 65536


class FileRefused(ApplicationError):
    """The file was refused before parsing (size, type, encoding, zip bomb, too many rows)."""

    status_code = 400


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return limit("IMPORT_MAX_BYTES", 256 * 1024 * 1024)


def max_rows() -> int:
    return limit("IMPORT_MAX_ROWS", 2_000_000)


def csv_block_bytes() -> int:
    """Bytes of CSV parsed (and, for actuals on PostgreSQL, validated and COPYed) at a time."""
    return limit("IMPORT_CSV_BLOCK_BYTES", 4 << 20)


def max_xlsx_rows() -> int:
    return limit("IMPORT_XLSX_MAX_ROWS", 200_000)


def max_xlsx_unzipped() -> int:
    return limit("IMPORT_XLSX_MAX_UNZIPPED_BYTES", 300 * 1024 * 1024)


XLSX_MAX_RATIO = 200
XLSX_MAX_ENTRIES = 2000


@dataclass
class Source:
    """What to import: a path or bytes (CSV/XLSX), or JSON rows."""

    name: str = ""
    path: Path | None = None
    data: bytes | None = None
    rows: list | None = None
    format: str = ""  # csv | xlsx | json, sniffed when empty
    sha256: str = ""
    size: int = 0
    encoding_bom: bool = False
    delimiter: str = ","
    lines: int = 0  # estimated data rows (for progress)

    def open(self) -> IO[bytes]:
        if self.path is not None:
            return open(self.path, "rb")
        return io.BytesIO(self.data or b"")


@dataclass
class Batch:
    rownums: np.ndarray  # int64, the row number of each record (header = row 1)
    columns: dict[str, pa.Array]  # header name -> string array (trimmed)


def _refuse(message: str, **extra) -> FileRefused:
    return FileRefused(message, {"file": message, **extra})


def inspect(source: Source) -> Source:
    """Hashes and checks the source before any parser runs; sets format, size and sha256."""
    if source.rows is not None:
        source.format = "json"
        if not isinstance(source.rows, list) or not all(isinstance(r, dict) for r in source.rows):
            raise _refuse("JSON rows must be a list of objects, one per row.")
        if len(source.rows) > max_rows():
            raise _refuse(f"Too many rows: {len(source.rows):,} (the limit is {max_rows():,}).")
        import json

        blob = json.dumps(source.rows, sort_keys=True, separators=(",", ":"), default=str).encode()
        source.sha256 = hashlib.sha256(blob).hexdigest()
        source.size = len(blob)
        source.lines = len(source.rows)
        return source
    digest = hashlib.sha256()
    size = 0
    with source.open() as handle:
        head = handle.read(8)
        handle.seek(0)
        fmt = _sniff(head, source.name)
        source.format = fmt
        if fmt == "xlsx":
            while chunk := handle.read(CHUNK):
                size += len(chunk)
                if size > max_bytes():
                    raise _refuse(f"The file is larger than the limit of {max_bytes() // (1024 * 1024)} MiB.")
                digest.update(chunk)
        else:
            size = _check_csv(handle, digest, source)
    source.sha256 = digest.hexdigest()
    source.size = size
    if size == 0:
        raise _refuse("The file is empty.")
    if source.format == "xlsx":
        _check_xlsx(source)
    return source


def _sniff(head: bytes, name: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse("Legacy .xls workbooks are not accepted; save the sheet as .xlsx or as CSV (UTF-8).")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse("The file is UTF-16; save it as CSV UTF-8 (comma delimited).")
    if name.lower().endswith((".xlsx", ".xlsm")) and head:
        raise _refuse("The file is named .xlsx but is not an Excel workbook.")
    return "csv"


def _check_csv(handle: IO[bytes], digest, source: Source) -> int:
    """One streaming pass: size, UTF-8, NUL bytes, row limit. Returns the size in bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    lines = 0
    first = True
    row_cap = max_rows() + 1  # + header
    while chunk := handle.read(CHUNK):
        size += len(chunk)
        if size > max_bytes():
            raise _refuse(f"The file is larger than the limit of {max_bytes() // (1024 * 1024)} MiB.")
        digest.update(chunk)
        if first:
            first = False
            if chunk.startswith(codecs.BOM_UTF8):
                source.encoding_bom = True
            header_line = chunk.split(b"\n", 1)[0]
            if b";" in header_line and b"," not in header_line:
                source.delimiter = ";"
        if b"\x00" in chunk:
            at = lines + chunk[: chunk.index(b"\x00")].count(b"\n") + 1
            raise _refuse(f"The file contains binary data (a NUL byte on line {at}); it is not a CSV text file.")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            at = lines + chunk[: exc.start].count(b"\n") + 1
            raise _refuse(
                f"The file is not UTF-8 text (bad byte 0x{chunk[exc.start]:02x} on line {at}); "
                "save it as CSV UTF-8 (comma delimited).", line=at,
            ) from None
        lines += chunk.count(b"\n")
        source.lines = lines
        if lines > row_cap:
            raise _refuse(f"Too many rows: more than {max_rows():,} (the limit).")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _refuse("The file ends in the middle of a UTF-8 character; it is truncated or not UTF-8.") from None
    return size


def _check_xlsx(source: Source) -> None:
    try:
        with source.open() as handle, zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            if len(infos) > XLSX_MAX_ENTRIES:
                raise _refuse(f"The workbook has {len(infos)} parts; that is not a normal spreadsheet.")
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > 1_000_000 and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
                    raise _refuse(
                        f"The workbook looks like a zip bomb: {info.filename} inflates {info.file_size // max(info.compress_size, 1)}x."
                    )
                if info.filename.lower().endswith((".zip", ".xlsx")):
                    raise _refuse("The workbook contains another archive; refused.")
            if total > max_xlsx_unzipped():
                raise _refuse(
                    f"The workbook inflates to {total // (1024 * 1024)} MiB, over the limit of {max_xlsx_unzipped() // (1024 * 1024)} MiB."
                )
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
                raise _refuse("The file is a zip archive but not an Excel workbook (.xlsx).")
    except zipfile.BadZipFile:
        raise _refuse("The workbook is damaged (not a readable .xlsx file).") from None


# --- reading -------------------------------------------------------------------------------------


def read(source: Source) -> tuple[list[str], Iterator[Batch]]:
    """The header and an iterator of string batches; `inspect` must have run."""
    if source.format == "json":
        return _read_json(source)
    if source.format == "xlsx":
        return _read_xlsx(source)
    return _read_csv(source)


def _header_cells(cells: list[Any]) -> list[str]:
    return [str(c).strip().lstrip("\ufeff").strip().lower() if c is not None else "" for c in cells]


def _read_csv(source: Source) -> tuple[list[str], Iterator[Batch]]:
    with source.open() as handle:
        first = handle.read(65536).decode("utf-8", errors="replace").lstrip("\ufeff")
    line = first.split("\n", 1)[0].rstrip("\r")
    header = _header_cells(next(csv.reader([line], delimiter=source.delimiter), []))
    names = [f"c{i}" for i in range(len(header))]
    invalid: list[tuple[int, int, str]] = []

    def on_invalid(row) -> str:
        text = (row.text or "").strip()
        if text:
            invalid.append((row.number or 0, row.actual_columns, text[:80]))
        return "skip"

    def batches() -> Iterator[Batch]:
        if not header:
            return
        handle = source.open()
        try:
            reader = pacsv.open_csv(
                handle,
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=csv_block_bytes(), use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=source.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
                ),
            )
        except pa.ArrowInvalid as exc:
            handle.close()
            if "Empty CSV file" in str(exc):
                return
            raise _refuse(f"The CSV file cannot be read: {exc}") from None
        next_row = 2
        reported = 0
        try:
            while True:
                try:
                    record_batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as exc:
                    raise _refuse(f"The CSV file cannot be read: {str(exc)[:300]}") from None
                n = record_batch.num_rows
                skipped = sorted(r for r, _, _ in invalid[reported:] if r)
                reported = len(invalid)
                rownums = np.arange(next_row, next_row + n + len(skipped), dtype=np.int64)
                if skipped:
                    rownums = rownums[~np.isin(rownums, skipped)][:n]
                next_row = int(rownums[-1]) + 1 if n else next_row + len(skipped)
                yield Batch(rownums, {header[i]: record_batch.column(i) for i in range(len(header))})
        finally:
            handle.close()

    return header, _with_invalid(batches(), invalid, len(header))


def _with_invalid(batches: Iterator[Batch], invalid: list, width: int) -> Iterator[Batch]:
    yield from batches
    if invalid:
        rows = np.array([r for r, _, _ in invalid], dtype=np.int64)
        yield Batch(rows, {"__invalid__": pa.array([f"{c} fields instead of {width}: {t}" for _, c, t in invalid])})


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _rows_to_batches(header: list[str], rows: Iterator[tuple[int, list]]) -> Iterator[Batch]:
    width = len(header)
    nums: list[int] = []
    cols: list[list[str]] = [[] for _ in range(width)]
    for num, values in rows:
        nums.append(num)
        for i in range(width):
            cols[i].append(_cell_text(values[i]).strip() if i < len(values) else "")
        if len(nums) >= BATCH_ROWS:
            yield Batch(np.array(nums, dtype=np.int64), {header[i]: pa.array(cols[i], pa.string()) for i in range(width)})
            nums, cols = [], [[] for _ in range(width)]
    if nums:
        yield Batch(np.array(nums, dtype=np.int64), {header[i]: pa.array(cols[i], pa.string()) for i in range(width)})


def _read_xlsx(source: Source) -> tuple[list[str], Iterator[Batch]]:
    import openpyxl  # defusedxml is installed, so openpyxl parses XML with it

    handle = source.open()
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types on damaged files
        handle.close()
        raise _refuse(f"The workbook cannot be read: {exc.__class__.__name__}.") from None
    sheet = workbook.worksheets[0]
    declared = sheet.max_row or 0
    if declared > max_xlsx_rows() + 1:
        workbook.close()
        handle.close()
        raise _refuse(f"Too many rows in the workbook: {declared - 1:,} (the limit is {max_xlsx_rows():,}); use CSV for big files.")
    rows = sheet.iter_rows(values_only=True)
    header = _header_cells(list(next(rows, ()) or ()))
    while header and header[-1] == "":
        header.pop()

    def numbered() -> Iterator[tuple[int, list]]:
        try:
            for num, values in enumerate(rows, start=2):
                if num > max_xlsx_rows() + 1:
                    raise _refuse(f"Too many rows in the workbook (the limit is {max_xlsx_rows():,}); use CSV for big files.")
                if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                yield num, list(values)
        finally:
            workbook.close()
            handle.close()

    return header, _rows_to_batches(header, numbered())


def _read_json(source: Source) -> tuple[list[str], Iterator[Batch]]:
    header: list[str] = []
    seen: set[str] = set()
    for row in source.rows or []:
        for key in row:
            name = str(key).strip().lower()
            if name not in seen:
                seen.add(name)
                header.append(name)

    def numbered() -> Iterator[tuple[int, list]]:
        for num, row in enumerate(source.rows or [], start=1):
            lowered = {str(k).strip().lower(): v for k, v in row.items()}
            yield num, [lowered.get(h) for h in header]

    return header, _rows_to_batches(header, numbered())
