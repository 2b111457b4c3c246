"""Forecast accuracy and forecast value added on the actuals of past months.

For a month M with actuals, the lag-k forecast is the one made by the cycle whose horizon
starts k-1 months before M (lag 1: the cycle of month M itself, made with actuals up to M-1;
lag 3: the cycle two months earlier). Each cycle's baseline and consensus stay stored, so
they are the snapshots. Three forecasts are compared on the same cells:

- naive: the last actual month before the forecasting cycle, carried forward (actual of M-k);
- statistical: that cycle's baseline;
- consensus: that cycle's consensus (baseline + overrides).

WAPE and bias come from reviews.forecasting.metrics. FVA of the statistical model = WAPE(naive)
- WAPE(statistical); FVA of the overrides = WAPE(statistical) - WAPE(consensus); FVA of a
contributor = WAPE(statistical) - WAPE(statistical + that author's override effects only).
Positive FVA means the step made the forecast better. Actuals are shipments; a month counts
once any shipment of that month is loaded, and a series with none in it shipped 0.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Sum

from catalog.models import Channel, ProductFamily
from cycles.choices import CycleStatus
from cycles.models import Cycle
from reviews.demand import months
from reviews.forecasting import metrics
from reviews.models import ConsensusCell, Override, Shipment

LAGS = (1, 3)
WINDOW = 12


@dataclass
class Point:
    family: int
    channel: int
    period: dt.date
    lag: int
    actual: float
    naive: float
    statistical: float
    consensus: float
    effects: dict[int, float] = field(default_factory=dict)  # author id -> units


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))) else round(float(x), 4)


def _actuals(first: dt.date, last: dt.date) -> tuple[dict, set]:
    rows = (Shipment.objects.filter(period__gte=first, period__lte=last, family__isnull=False)
            .values_list("family_id", "channel_id", "period").annotate(q=Sum("quantity")).order_by())
    values: dict[tuple[int, int, dt.date], float] = defaultdict(float)
    seen: set[dt.date] = set()
    for f, c, p, qty in rows:
        p = months.month(p)
        values[(f, c, p)] += float(qty)
        seen.add(p)
    return values, seen


def points(cycle: Cycle, *, window: int = WINDOW, lags: Iterable[int] = LAGS) -> list[Point]:
    """Every (series, month, lag) with an actual and a stored forecast, for the months before
    the cycle (at most `window` of them)."""
    lags = tuple(lags)
    start = months.month(cycle.start_month)
    targets = [months.add(start, -i) for i in range(window, 0, -1)]
    first_source = months.add(targets[0], -(max(lags) - 1))
    sources: dict[dt.date, int] = {}
    for cid, s in (Cycle.objects.filter(start_month__gte=first_source, start_month__lt=start)
                   .exclude(status=CycleStatus.CANCELLED).filter(pk__in=ConsensusCell.objects.values("cycle_id"))
                   .order_by("start_month", "id").values_list("pk", "start_month")):
        sources[months.month(s)] = cid  # the latest cycle of a month wins
    if not sources:
        return []
    actual, loaded = _actuals(months.add(targets[0], -max(lags)), targets[-1])
    wanted: dict[int, dict[dt.date, int]] = defaultdict(dict)  # cycle -> target month -> lag
    for m in targets:
        if m not in loaded:
            continue
        for k in lags:
            cid = sources.get(months.add(m, -(k - 1)))
            if cid is not None:
                wanted[cid][m] = k
    if not wanted:
        return []
    cells = ConsensusCell.objects.filter(cycle_id__in=list(wanted), period__in=targets).values_list(
        "cycle_id", "family_id", "channel_id", "period", "baseline", "quantity")
    effects: dict[tuple, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for cid, f, c, p, author, qty, before in Override.objects.filter(
            cycle_id__in=list(wanted), period__in=targets, deleted_at__isnull=True).values_list(
            "cycle_id", "family_id", "channel_id", "period", "author_id", "quantity", "quantity_before"):
        effects[(cid, f, c, p)][author] += float(qty - before)
    out = []
    for cid, f, c, p, base, qty in cells:
        k = wanted[cid].get(p)
        if k is None:
            continue
        out.append(Point(f, c, p, k, actual.get((f, c, p), 0.0), actual.get((f, c, months.add(p, -k)), 0.0),
                         float(base), float(qty), dict(effects.get((cid, f, c, p), {}))))
    return out


def _score(pts: list[Point]) -> dict:
    a = [p.actual for p in pts]
    naive = [p.naive for p in pts]
    stat = [p.statistical for p in pts]
    cons = [p.consensus for p in pts]
    out = {"n": len(pts), "actual": round(sum(a), 3)}
    for name, f in (("naive", naive), ("statistical", stat), ("consensus", cons)):
        out[name] = {"wape": _num(metrics.wape(a, f)), "bias": _num(metrics.bias(a, f)), "forecast": round(sum(f), 3)}
    out["fva_statistical"] = _num(metrics.fva(a, stat, naive))
    out["fva_overrides"] = _num(metrics.fva(a, cons, stat))
    return out


def summarise(pts: list[Point]) -> dict:
    """The accuracy tables of a set of points (pure: no database)."""
    by = defaultdict(list)
    for p in pts:
        by[("all", p.lag)].append(p)
        by[("family", p.lag, p.family)].append(p)
        by[("channel", p.lag, p.channel)].append(p)
        by[("series", p.lag, p.family, p.channel)].append(p)
    overall, fam, chan, series = [], [], [], []
    for key, group in sorted(by.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        row = {"lag": key[1], **_score(group)}
        if key[0] == "all":
            overall.append(row)
        elif key[0] == "family":
            fam.append({"family": key[2], **row})
        elif key[0] == "channel":
            chan.append({"channel": key[2], **row})
        else:
            series.append({"family": key[2], "channel": key[3], **row})
    contributors = []
    for lag in sorted({p.lag for p in pts}):
        group = [p for p in pts if p.lag == lag]
        a = [p.actual for p in group]
        stat = [p.statistical for p in group]
        for author in sorted({u for p in group for u in p.effects}):
            with_author = [p.statistical + p.effects.get(author, 0.0) for p in group]
            touched = [p for p in group if author in p.effects]
            contributors.append({
                "lag": lag, "author": author, "cells": len(touched),
                "units": round(sum(p.effects[author] for p in touched), 3),
                "fva": _num(metrics.fva(a, with_author, stat)),
            })
    return {"overall": overall, "by_family": fam, "by_channel": chan, "by_series": series,
            "contributors": contributors}


def accuracy_summary(cycle: Cycle, *, window: int = WINDOW, lags: Iterable[int] = LAGS) -> dict:
    """WAPE and bias by family, channel and lag for the naive, statistical and consensus
    forecasts, with FVA in total and per contributor; ids replaced by codes and usernames.

    This is the selector the KPI issue reads. Ratios are fractions (0.12 = 12 %).
    """
    pts = points(cycle, window=window, lags=lags)
    out = summarise(pts)
    fams = dict(ProductFamily.objects.filter(pk__in={p.family for p in pts}).values_list("pk", "code"))
    chans = dict(Channel.objects.filter(pk__in={p.channel for p in pts}).values_list("pk", "code"))
    users = dict(get_user_model().objects.filter(pk__in={u for p in pts for u in p.effects}).values_list(
        "pk", "username"))
    for row in out["by_family"]:
        row["family"] = fams.get(row["family"], row["family"])
    for row in out["by_channel"]:
        row["channel"] = chans.get(row["channel"], row["channel"])
    for row in out["by_series"]:
        row["family"] = fams.get(row["family"], row["family"])
        row["channel"] = chans.get(row["channel"], row["channel"])
    for row in out["contributors"]:
        row["author"] = users.get(row["author"], row["author"])
    start = months.month(cycle.start_month)
    return {
        "cycle": cycle.label,
        "months": sorted({months.label(p.period) for p in pts}),
        "window": [months.label(months.add(start, -window)), months.label(months.add(start, -1))],
        "lags": list(lags),
        **out,
    }


def assumption_accuracy(assumptions) -> dict[int, dict]:
    """Per assumption, on the months it touched that now have actuals: WAPE of the baseline
    and of the baseline plus this assumption's overrides (did writing it down help?)."""
    ids = [a.pk for a in assumptions]
    if not ids:
        return {}
    rows = list(Override.objects.filter(assumption_id__in=ids, deleted_at__isnull=True).values_list(
        "assumption_id", "cycle_id", "family_id", "channel_id", "period", "quantity", "quantity_before"))
    if not rows:
        return {}
    periods = {r[4] for r in rows}
    actual, loaded = _actuals(min(periods), max(periods))
    base = {(c, f, ch, p): float(b) for c, f, ch, p, b in ConsensusCell.objects.filter(
        cycle_id__in={r[1] for r in rows}, period__in=periods).values_list(
        "cycle_id", "family_id", "channel_id", "period", "baseline")}
    cells: dict[int, dict[tuple, float]] = defaultdict(lambda: defaultdict(float))
    for aid, cid, f, ch, p, qty, before in rows:
        if p in loaded:
            cells[aid][(cid, f, ch, p)] += float(qty - before)
    out = {}
    for aid, effects in cells.items():
        keys = sorted(effects)
        a = [actual.get((k[1], k[2], k[3]), 0.0) for k in keys]
        s = [base.get(k, 0.0) for k in keys]
        w = [base.get(k, 0.0) + effects[k] for k in keys]
        out[aid] = {"cells": len(keys), "months": sorted({months.label(k[3]) for k in keys}),
                    "actual": round(sum(a), 3), "statistical": round(sum(s), 3), "with_override": round(sum(w), 3),
                    "wape_statistical": _num(metrics.wape(a, s)), "wape_with_override": _num(metrics.wape(a, w)),
                    "fva": _num(metrics.fva(a, w, s))}
    return out
