"""Read and validate a history CSV (columns series, period, quantity).

Every problem is reported as one line naming the file line, the column and
the value, through ``InputError``; nothing is guessed. Validation is
vectorised with pandas so a file of millions of rows is checked in seconds.

Rules (docs/forecasting.md):
- header names are matched without regard to case or surrounding spaces;
  other columns are ignored;
- period is YYYY-MM or YYYY-MM-DD (a time after the date is ignored); rows
  of one series in the same month are summed (daily or weekly files are
  bucketed to months), but the same series and the same period twice is an
  error;
- quantity is a finite number (decimals allowed, no thousands separators);
- negative quantities (returns) are clipped to 0 by the engine and counted
  in a warning; with ``negative="error"`` they are refused.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

REQUIRED = ("series", "period", "quantity")
_PERIOD_RE = r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T].*)?\s*$"


class InputError(ValueError):
    """A problem with the input file: one line, naming line, column and value."""


@dataclass
class History:
    frame: pd.DataFrame  # series (str), period (datetime64 month start), quantity (float)
    rows: int
    warnings: list[str] = field(default_factory=list)


def _show(value: object, limit: int = 40) -> str:
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def read_history(path: str, *, negative: str = "clip") -> History:
    """Parse and validate ``path``; raises InputError on the first problem found."""
    name = os.path.basename(path)
    try:
        if os.path.getsize(path) == 0:
            raise InputError(f"{name}: the file is empty (expected a header series,period,quantity)")
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                          encoding="utf-8-sig", skipinitialspace=True, skip_blank_lines=True)
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{name}: the file is empty (expected a header series,period,quantity)") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"{name}: malformed CSV: {str(exc).strip().splitlines()[-1]}") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None

    columns = {str(c).strip().lower(): c for c in raw.columns}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(str(c) for c in raw.columns) or "nothing"
        raise InputError(f"{name}: missing column(s) {', '.join(missing)} in the header (found: {found})")
    if raw.empty:
        raise InputError(f"{name}: no data rows after the header")
    df = pd.DataFrame({c: raw[columns[c]] for c in REQUIRED})
    line = np.arange(len(df)) + 2  # header is line 1 (assumes no quoted newlines)

    def fail(mask: np.ndarray, column: str, why: str) -> None:
        if mask.any():
            i = int(np.argmax(mask))
            raise InputError(f"{name}: line {line[i]}: column {column!r}: {_show(df[column].iat[i])} {why}")

    for c in REQUIRED:
        df[c] = df[c].fillna("").astype(str).str.strip()
    fail((df["series"] == "").to_numpy(), "series", "is empty")

    parts = df["period"].str.extract(_PERIOD_RE)
    bad = parts[0].isna().to_numpy()
    fail(bad, "period", "is not a month (expected YYYY-MM or YYYY-MM-DD)")
    year = parts[0].astype(int)
    month = parts[1].astype(int)
    day = parts[2].fillna("1").astype(int)
    dates = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    fail(dates.isna().to_numpy(), "period", "is not a valid date")

    qty = pd.to_numeric(df["quantity"], errors="coerce")
    fail((qty.isna() | ~np.isfinite(qty.fillna(0))).to_numpy(), "quantity", "is not a number")
    neg = (qty < 0).to_numpy()
    if negative == "error":
        fail(neg, "quantity", "is negative (negative quantities are refused with --negative error)")

    key = pd.DataFrame({"s": df["series"], "d": dates})
    dup = key.duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        first = int(np.argmax((key["s"] == key["s"].iat[i]).to_numpy() & (key["d"] == key["d"].iat[i]).to_numpy()))
        raise InputError(f"{name}: line {line[i]}: duplicate series {_show(df['series'].iat[i])} and period "
                         f"{_show(df['period'].iat[i])} (first at line {line[first]})")

    warnings = []
    if neg.any():
        i = int(np.argmax(neg))
        warnings.append(f"{name}: {int(neg.sum())} negative quantities (first at line {line[i]}) "
                        "are read as returns: netted into their month, a negative month total is clipped to 0")
    frame = pd.DataFrame({"series": df["series"].to_numpy(),
                          "period": dates.dt.to_period("M"),
                          "quantity": qty.to_numpy(dtype=float)})
    return History(frame, len(df), warnings)
