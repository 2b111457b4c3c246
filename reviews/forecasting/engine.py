"""Baseline forecast engine: many monthly series in, forecasts out.

Pure Python (numpy, pandas, statsforecast imported lazily); no Django. The
app's Celery task and the CLI both call ``forecast_many``.

Per series (see docs/forecasting.md for the reasons):
1. the monthly history is made dense (missing months are 0), negative
   months are clipped to 0, a long run of zeros before the first demand (a
   launch) is dropped and at most ``max_history`` recent months are kept;
2. all-zero history -> zero forecast; 1-6 months -> a fallback (mean, or
   SES) without backtest;
3. otherwise the series is classed intermittent when ADI > 1.32 (average
   months between demands) and the matching candidate set is backtested on
   rolling origins; the lowest error wins (MAE on regular series, RMSE on
   intermittent ones, so that the chosen forecast aims at the mean demand);
4. on regular series the ETS/Theta/DOTM combination is kept unless another
   candidate beats it by more than ``margin`` (20 %);
5. the winner is refitted on the whole history for the horizon; its native
   80 % interval is kept (never narrower than +/- z x its backtest RMSE), or,
   for models without one, that empirical band; forecasts and bounds are
   clipped at 0.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from . import candidates as cands
from .seasonality import is_seasonal
from .selection import CandidateScore, backtest, choose, is_sane, plan_origins

ProgressCallback = Callable[[int, int], None]

FORECAST_COLUMNS = ("series", "period", "quantity", "lo", "hi", "model")


@dataclass(frozen=True)
class EngineConfig:
    """Tuning knobs; the defaults are the measured choice (bench/README.md)."""

    season_length: int = 12
    level: int = 80
    backtest_horizon: int = 12
    backtest_windows: int = 3
    smooth: tuple[str, ...] = cands.DEFAULT_SMOOTH
    intermittent: tuple[str, ...] = cands.DEFAULT_INTERMITTENT
    combo: tuple[str, ...] = cands.COMBO_MEMBERS  # empty: no combination candidate
    # The incumbent wins unless a challenger's backtest error is lower by
    # more than this share: short backtests are noisy (see docs).
    incumbent: str = cands.COMBO
    margin: float = 0.20
    max_history: int = 120
    adi_threshold: float = 1.32
    min_train: int = 6
    explode_factor: float = 10.0
    interval_floor: bool = True


#: Candidate sets by name (CLI --candidates). "full" adds the seasonal ARIMA
#: (airline model) as a candidate and a combination member: no better on M3
#: and about 3x slower (bench/README.md), so it is opt-in.
PRESETS: dict[str, EngineConfig] = {
    "fast": EngineConfig(),
    "full": EngineConfig(smooth=(*cands.DEFAULT_SMOOTH, "arima"), combo=(*cands.COMBO_MEMBERS, "arima")),
}


@dataclass
class SeriesResult:
    """Forecast of one series plus what the planner and safety stock need."""

    series: Any
    first_forecast_month: int  # month ordinal (year * 12 + month - 1)
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    model: str
    diagnostics: dict[str, Any]
    backtest: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ForecastResult:
    """What ``forecast_many`` returns.

    forecast: one row per series and month: series, period ("YYYY-MM"),
        quantity, lo<level>, hi<level>, model.
    diagnostics: one row per series: model, demand_class, n_obs, adi, cv2,
        zero_share, negatives_clipped, backtest_points, error_rmse (backtest
        RMSE per month in units: the forecast error for safety stock),
        error_mae, wape, bias, mase, seasonal, leading_zeros_dropped, reason.
    backtest: one row per series and candidate: series, model, mae, rmse,
        wape, bias, points, chosen, failed.
    """

    forecast: pd.DataFrame
    diagnostics: pd.DataFrame
    backtest: pd.DataFrame


# ---------------------------------------------------------------------------
# months


def month_ordinals(values: Iterable[Any]) -> np.ndarray:
    """Month ordinals (year * 12 + month - 1) of periods, dates or 'YYYY-MM[-DD]' strings."""
    s = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return (s.dt.year.to_numpy() * 12 + s.dt.month.to_numpy() - 1).astype(np.int64)
    else:
        ts = pd.to_datetime(s.astype(str) if s.dtype == object else s, format="mixed")
    return (ts.dt.year.to_numpy() * 12 + ts.dt.month.to_numpy() - 1).astype(np.int64)


def ordinal_to_period(ordinal: int) -> str:
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def chunk_series(ids: Sequence[Any], size: int = 250) -> list[list[Any]]:
    """Split series ids into chunks of ``size`` (one Celery task or progress step each)."""
    if size < 1:
        raise ValueError("chunk size must be positive")
    ids = list(ids)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def prepare(history: pd.DataFrame) -> list[tuple[Any, np.ndarray, int, int]]:
    """Dense monthly arrays: [(series, y, first_month_ordinal, negatives_clipped)].

    Rows of one series in the same month are summed (a daily or weekly file
    is bucketed to months), missing months are 0, NaN quantities count as 0.
    Series keep the order of their first row.
    """
    missing = {"series", "period", "quantity"} - set(history.columns)
    if missing:
        raise ValueError(f"history lacks column(s): {', '.join(sorted(missing))}")
    if history.empty:
        return []
    frame = pd.DataFrame({
        "series": history["series"].to_numpy(),
        "month": month_ordinals(history["period"]),
        "quantity": pd.to_numeric(history["quantity"]).astype(float).fillna(0.0).to_numpy(),
    })
    order = pd.unique(frame["series"])
    grouped = frame.groupby(["series", "month"], sort=False)[["quantity"]].sum()
    out = []
    by_series = {sid: g for sid, g in grouped.groupby(level=0, sort=False)}
    for sid in order:
        g = by_series[sid]
        months = g.index.get_level_values(1).to_numpy()
        first, last = int(months.min()), int(months.max())
        y = np.zeros(last - first + 1)
        y[months - first] = g["quantity"].to_numpy()
        out.append((sid, y, first, int(np.sum(y < 0))))
    return out


# ---------------------------------------------------------------------------
# one series


def _z(level: int) -> float:
    return NormalDist().inv_cdf(0.5 + level / 200.0)


def _empty_diag() -> dict[str, Any]:
    return {"model": "", "demand_class": "", "n_obs": 0, "adi": math.nan, "cv2": math.nan,
            "zero_share": math.nan, "negatives_clipped": 0, "backtest_points": 0,
            "error_rmse": math.nan, "error_mae": math.nan, "wape": math.nan, "bias": math.nan,
            "mase": math.nan, "seasonal": False, "leading_zeros_dropped": 0, "reason": ""}


def demand_class(y: np.ndarray, adi_threshold: float = 1.32) -> tuple[str, float, float]:
    """Syntetos-Boylan class of a series: (class, ADI, CV^2 of non-zero demands).

    ADI = months / months with demand; class is smooth, erratic, intermittent
    or lumpy (cut-offs ADI 1.32 and CV^2 0.49).
    """
    nz = y[y > 0]
    if nz.size == 0:
        return "zero", math.inf, math.nan
    adi = y.size / nz.size
    cv2 = float((np.std(nz) / np.mean(nz)) ** 2) if nz.size > 1 else 0.0
    if adi > adi_threshold:
        return ("lumpy" if cv2 > 0.49 else "intermittent"), adi, cv2
    return ("erratic" if cv2 > 0.49 else "smooth"), adi, cv2


def _is_prelaunch(lead: int, after: int, demands: int) -> bool:
    """Are the ``lead`` zero months before the first demand a pre-launch period?

    Yes when the run is long (6+ months) and clearly longer than the gaps
    between the later demands (more than twice the average interval, at
    least 3 demands to tell). A stationary intermittent series starts with a
    zero run like its others: keeping it avoids overstating the rate.
    """
    return lead >= 6 and demands >= 3 and lead > 2.0 * after / demands


def _fallback(y: np.ndarray, horizon: int, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Forecast for a history too short to backtest (1-6 months)."""
    n = y.size
    if n >= 3:
        try:
            mean, _, _ = cands.fit_predict("ses", y, horizon, 1, None)
            name = "ses"
        except Exception:
            mean, name = np.full(horizon, float(np.mean(y))), "mean"
    else:
        mean, name = np.full(horizon, float(np.mean(y))), "mean"
    # No errors to measure: the spread of the history (or half the only value).
    sigma = float(np.std(y, ddof=1)) if n >= 2 else 0.5 * abs(float(y[-1]))
    return mean, mean - z * sigma, mean + z * sigma, name


def forecast_series(series: Any, y: np.ndarray, first_month: int, horizon: int,
                    config: EngineConfig = EngineConfig(), negatives: int = 0) -> SeriesResult:
    """Forecast one dense monthly history ``y`` whose first month is ``first_month``."""
    cfg = config
    z = _z(cfg.level)
    y = np.nan_to_num(np.asarray(y, dtype=float), nan=0.0)
    start = first_month + y.size  # first forecast month
    diag = _empty_diag()
    diag["negatives_clipped"] = negatives
    y = np.clip(y, 0.0, None)
    nonzero = np.flatnonzero(y > 0)
    if nonzero.size == 0:
        diag.update(model="zero", demand_class="zero", n_obs=int(y.size), zero_share=1.0,
                    reason="no demand in history")
        zeros = np.zeros(horizon)
        return SeriesResult(series, start, zeros, zeros.copy(), zeros.copy(), "zero", diag)
    lead = int(nonzero[0])
    if _is_prelaunch(lead, y.size - lead, nonzero.size):
        y = y[lead:]
        diag["leading_zeros_dropped"] = lead
    if y.size > cfg.max_history:
        y = y[-cfg.max_history:]
    n = y.size
    klass, adi, cv2 = demand_class(y, cfg.adi_threshold)
    diag.update(n_obs=n, demand_class=klass, adi=adi, cv2=cv2, zero_share=float(np.mean(y == 0)))
    scale = float(np.mean(y[y > 0]))
    ys = y / scale  # fit on a unit scale: huge magnitudes stay numerically tame

    m = cfg.season_length
    intermittent = adi > cfg.adi_threshold
    long_enough = m > 1 and not intermittent and n >= 2 * m + 4
    seasonal = long_enough and is_seasonal(ys, m)
    diag["seasonal"] = seasonal
    min_train = 2 * m if long_enough else cfg.min_train
    plan = plan_origins(n, horizon=cfg.backtest_horizon, windows=cfg.backtest_windows,
                        min_train=min_train)
    if plan is None:
        mean, lo, hi, name = _fallback(ys, horizon, z)
        diag["reason"] = f"history of {n} month(s): too short to backtest"
        return _finish(series, start, mean, lo, hi, name, scale, diag, [])

    names = cfg.intermittent if intermittent else cfg.smooth
    if not long_enough:
        names = tuple(nm for nm in names if not cands.REGISTRY[nm].seasonal)
    metric = "rmse" if intermittent else "mae"
    scores = backtest(ys, names, plan, season_length=m, seasonal=seasonal,
                      combo=() if intermittent else cfg.combo, explode_factor=cfg.explode_factor)
    ranked = choose(scores, metric)
    if not intermittent and cfg.incumbent in ranked and ranked[0] != cfg.incumbent:
        best = scores[ranked[0]].score(metric)
        if best >= (1 - cfg.margin) * scores[cfg.incumbent].score(metric):
            ranked.remove(cfg.incumbent)
            ranked.insert(0, cfg.incumbent)

    for name in ranked:
        fitted = _final_fit(scores[name].members or (name,), ys, horizon, m, seasonal, cfg)
        if fitted is None:
            continue
        mean, lo, hi = fitted
        sc = scores[name]
        a, f = sc.pairs()
        rmse = float(np.sqrt(np.mean((f - a) ** 2)))
        if lo is None:
            lo, hi = mean - z * rmse, mean + z * rmse
        elif cfg.interval_floor:
            # Model intervals ignore model uncertainty: never narrower than
            # the errors the model actually made in the backtest.
            lo, hi = np.minimum(lo, mean - z * rmse), np.maximum(hi, mean + z * rmse)
        _backtest_diag(diag, sc, ys, m, scale)
        rows = _backtest_rows(series, scores, name, scale)
        return _finish(series, start, mean, lo, hi, name, scale, diag, rows)

    mean, lo, hi, name = _fallback(ys, horizon, z)
    diag["reason"] = "every candidate failed"
    return _finish(series, start, mean, lo, hi, name, scale, diag, _backtest_rows(series, scores, "", scale))


def _final_fit(members: tuple[str, ...], ys: np.ndarray, horizon: int, m: int, seasonal: bool,
               cfg: EngineConfig) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None] | None:
    """Refit one candidate, or the members of the combination, on the whole history."""
    outs = []
    for i, member in enumerate(members):
        # In a combination only the first member's interval is computed: Theta's
        # intervals are simulated and cost more than its fit (see docs).
        level = cfg.level if i == 0 else None
        try:
            mean, lo, hi = cands.fit_predict(member, ys, horizon, m, level, seasonal)
        except Exception:
            return None
        if not is_sane(mean, ys, cfg.explode_factor):
            return None
        outs.append((mean, lo, hi))
    if len(outs) == 1:
        return outs[0]
    mean = np.mean([o[0] for o in outs], axis=0)
    first_mean, lo, hi = outs[0]
    if lo is None:
        return mean, None, None
    # The first member's interval widths around the combined mean.
    return mean, mean - (first_mean - lo), mean + (hi - first_mean)


def _backtest_diag(diag: dict[str, Any], sc: CandidateScore, ys: np.ndarray, season: int,
                   scale: float) -> None:
    from . import metrics

    a, f = sc.pairs()
    diag.update(
        backtest_points=int(a.size),
        error_rmse=metrics.rmse(a, f) * scale,
        error_mae=metrics.mae(a, f) * scale,
        wape=metrics.wape(a, f),
        bias=metrics.bias(a, f),
        mase=metrics.mase(a, f, ys, season),
    )


def _backtest_rows(series: Any, scores: dict[str, CandidateScore], chosen: str,
                   scale: float) -> list[dict[str, Any]]:
    from . import metrics

    rows = []
    for name, sc in scores.items():
        a, f = sc.pairs()
        ok = sc.failed is None and a.size > 0
        rows.append({
            "series": series, "model": name,
            "mae": metrics.mae(a, f) * scale if ok else math.nan,
            "rmse": metrics.rmse(a, f) * scale if ok else math.nan,
            "wape": metrics.wape(a, f) if ok else math.nan,
            "bias": metrics.bias(a, f) if ok else math.nan,
            "points": int(a.size) if ok else 0,
            "chosen": name == chosen,
            "failed": sc.failed or "",
        })
    return rows


def _finish(series: Any, start: int, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, name: str,
            scale: float, diag: dict[str, Any], rows: list[dict[str, Any]]) -> SeriesResult:
    mean = np.clip(mean * scale, 0.0, None)
    lo = np.minimum(np.clip(lo * scale, 0.0, None), mean)
    hi = np.maximum(np.clip(hi * scale, 0.0, None), mean)
    diag["model"] = name
    return SeriesResult(series, start, mean, lo, hi, name, diag, rows)


# ---------------------------------------------------------------------------
# many series


def _run_chunk(items: list[tuple[Any, np.ndarray, int, int]], horizon: int,
               config: EngineConfig) -> list[SeriesResult]:
    return [forecast_series(sid, y, first, horizon, config, neg) for sid, y, first, neg in items]


def _workers(n_jobs: int) -> int:
    if multiprocessing.current_process().daemon:
        return 1  # a daemonic process (prefork Celery worker) may not have children
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, n_jobs)


def forecast_many(history: pd.DataFrame, horizon: int, *, level: int = 80, season_length: int = 12,
                  progress: ProgressCallback | None = None, n_jobs: int = 1,
                  series: Iterable[Any] | None = None, config: EngineConfig | None = None,
                  chunk_size: int = 200) -> ForecastResult:
    """Baseline forecasts for every series in ``history``.

    history: DataFrame with columns series, period (month as 'YYYY-MM',
        'YYYY-MM-DD', date, Timestamp or Period) and quantity.
    horizon: months to forecast after each series' last history month.
    progress: called as progress(done, total) with series counts, about 100
        times per call at most and once at the end.
    n_jobs: worker processes (-1 = all cores); forced to 1 inside a daemonic
        process such as a prefork Celery worker.
    series: optional subset of series ids to forecast (a Celery chunk).
    """
    if horizon < 1:
        raise ValueError("horizon must be a positive number of months")
    cfg = replace(config or EngineConfig(), level=level, season_length=season_length)
    if series is not None:
        wanted = set(series)
        history = history[history["series"].isin(wanted)]
    items = prepare(history)
    total = len(items)
    results: list[SeriesResult] = []
    step = max(1, total // 100)
    done = 0
    workers = min(_workers(n_jobs), max(1, math.ceil(total / chunk_size)))
    if workers == 1:
        for i, (sid, y, first, neg) in enumerate(items, 1):
            results.append(forecast_series(sid, y, first, horizon, cfg, neg))
            if progress and (i % step == 0 or i == total):
                progress(i, total)
    else:
        import statsforecast.models  # noqa: F401  (import once, before the fork)

        chunks = [items[i:i + chunk_size] for i in range(0, total, chunk_size)]
        by_index: dict[int, list[SeriesResult]] = {}
        ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {pool.submit(_run_chunk, chunk, horizon, cfg): i for i, chunk in enumerate(chunks)}
            for fut in as_completed(futures):
                idx = futures[fut]
                by_index[idx] = fut.result()
                done += len(chunks[idx])
                if progress:
                    progress(done, total)
        for i in range(len(chunks)):
            results.extend(by_index[i])
    return _assemble(results, horizon, cfg.level)


def _assemble(results: list[SeriesResult], horizon: int, level: int) -> ForecastResult:
    lo_col, hi_col = f"lo{level}", f"hi{level}"
    if results:
        steps = np.arange(horizon)
        months = np.concatenate([r.first_forecast_month + steps for r in results])
        uniq, inverse = np.unique(months, return_inverse=True)
        labels = np.array([ordinal_to_period(int(o)) for o in uniq], dtype=object)[inverse]
        forecast = pd.DataFrame({
            "series": np.repeat(np.array([r.series for r in results], dtype=object), horizon),
            "period": labels,
            "quantity": np.concatenate([r.mean for r in results]),
            lo_col: np.concatenate([r.lo for r in results]),
            hi_col: np.concatenate([r.hi for r in results]),
            "model": np.repeat(np.array([r.model for r in results], dtype=object), horizon),
        })
    else:
        forecast = pd.DataFrame(columns=["series", "period", "quantity", lo_col, hi_col, "model"])
    diagnostics = pd.DataFrame([{"series": r.series, **r.diagnostics} for r in results],
                               columns=["series", *_empty_diag().keys()])
    backtest_rows = [row for r in results for row in r.backtest]
    backtest_df = pd.DataFrame(backtest_rows, columns=["series", "model", "mae", "rmse", "wape", "bias",
                                                       "points", "chosen", "failed"])
    return ForecastResult(forecast, diagnostics, backtest_df)
