"""Planning months: rows keyed by the month's first day; labels YYYY-MM."""
from __future__ import annotations

import datetime as dt


def month(value) -> dt.date:
    """The first day of the month of a date, or of a 'YYYY-MM[-DD]' label."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value).strip()
    year, mon = int(text[0:4]), int(text[5:7])
    if text[4] != "-" or not 1 <= mon <= 12:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return dt.date(year, mon, 1)


def label(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add(d: dt.date, months: int) -> dt.date:
    ordinal = d.year * 12 + d.month - 1 + months
    return dt.date(ordinal // 12, ordinal % 12 + 1, 1)


def between(a: dt.date, b: dt.date) -> int:
    """Months from a to b (b - a)."""
    return (b.year * 12 + b.month) - (a.year * 12 + a.month)


def span(first: dt.date, count: int) -> list[dt.date]:
    return [add(first, i) for i in range(count)]


def cycle_months(cycle) -> list[dt.date]:
    """The cycle's horizon as month dates (its `periods` as dates)."""
    return span(month(cycle.start_month), cycle.horizon_months)
