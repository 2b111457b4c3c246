"""Candidate models: thin wrappers over statsforecast's per-series models.

``statsforecast.models`` takes seconds to import, so it is imported inside
``build`` only, on the first fit: importing this module (or the web process
importing ``reviews.forecasting``) costs nothing.

Each candidate fits one series (a float numpy array, already scaled by the
engine) and returns the point forecast and, where the model has them, native
prediction intervals. Candidates without native intervals get empirical ones
from their backtest errors in the engine.

On a seasonal series (``season_length`` > 1 passed in) a candidate marked
``adjusted`` is fitted on seasonally adjusted data and the season is put
back on its forecast and bounds; a candidate marked ``seasonal`` models the
season itself and is only tried on seasonal series.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import seasonality

SMOOTH = "smooth"
INTERMITTENT = "intermittent"


@dataclass(frozen=True)
class Candidate:
    """A forecasting method the selection can choose for a series."""

    name: str
    kind: str  # SMOOTH or INTERMITTENT: which series it competes on
    seasonal: bool  # models the season itself: seasonal series only
    adjusted: bool  # fitted on seasonally adjusted data on seasonal series
    native_intervals: bool
    build: Callable[[int], object]  # season_length -> unfitted statsforecast model
    description: str = ""


def _sf():
    from statsforecast import models  # lazy: ~1-4 s import

    return models


def _arima(m: int):
    sf = _sf()
    if m > 1:
        # The "airline" model: a robust fixed seasonal ARIMA on short monthly
        # series. (statsforecast 2.1's method="CSS" returns zero forecasts.)
        return sf.ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=m)
    return sf.ARIMA(order=(0, 1, 1))


def _c(name, kind, seasonal, adjusted, native, build, description):
    return Candidate(name, kind, seasonal, adjusted, native, build, description)


REGISTRY: dict[str, Candidate] = {
    c.name: c
    for c in [
        _c("seasonal_naive", SMOOTH, True, False, True, lambda m: _sf().SeasonalNaive(season_length=m),
           "same month last year"),
        _c("naive", SMOOTH, False, True, True, lambda m: _sf().Naive(),
           "last value (random walk); seasonally adjusted on seasonal series"),
        _c("ses", SMOOTH, False, True, False, lambda m: _sf().SimpleExponentialSmoothingOptimized(),
           "simple exponential smoothing, optimised alpha"),
        _c("theta", SMOOTH, False, True, True, lambda m: _sf().Theta(season_length=1),
           "standard Theta (SES with drift)"),
        _c("dotm", SMOOTH, False, True, True, lambda m: _sf().DynamicOptimizedTheta(season_length=1),
           "dynamic optimised Theta"),
        _c("ets", SMOOTH, False, True, True,
           lambda m: _sf().AutoETS(season_length=1, model="AAN", damped=True),
           "ETS(A,Ad,N): Gardner's damped trend"),
        _c("ets_zzn", SMOOTH, False, True, True, lambda m: _sf().AutoETS(season_length=1, model="ZZN"),
           "ETS, error and (damped) trend chosen by AICc (1.5x slower than ets, no more accurate)"),
        _c("arima", SMOOTH, False, False, True, _arima,
           "ARIMA(0,1,1)(0,1,1)12 'airline' on seasonal series, ARIMA(0,1,1) otherwise"),
        # Slower or alternative variants, for comparisons (bench/forecast/m3_compare.py)
        _c("ets_full", SMOOTH, False, False, True, lambda m: _sf().AutoETS(season_length=m),
           "ETS, full AICc search over seasonal models (slow)"),
        _c("ets_ana", SMOOTH, True, False, True, lambda m: _sf().AutoETS(season_length=m, model="ANA"),
           "ETS(A,N,A)"),
        _c("ets_aada", SMOOTH, True, False, True,
           lambda m: _sf().AutoETS(season_length=m, model="AAA", damped=True), "ETS(A,Ad,A)"),
        _c("theta_sf", SMOOTH, False, False, True, lambda m: _sf().Theta(season_length=m),
           "statsforecast Theta with its own seasonality test"),
        _c("dotm_sf", SMOOTH, False, False, True, lambda m: _sf().DynamicOptimizedTheta(season_length=m),
           "statsforecast DOTM with its own seasonality test"),
        _c("arima_auto", SMOOTH, False, False, True, lambda m: _sf().AutoARIMA(season_length=m),
           "auto ARIMA, stepwise (slow)"),
        # Intermittent demand
        _c("mean", INTERMITTENT, False, False, True, lambda m: _sf().HistoricAverage(), "mean of history"),
        _c("croston_sba", INTERMITTENT, False, False, False, lambda m: _sf().CrostonSBA(),
           "Croston with Syntetos-Boylan bias correction"),
        _c("tsb", INTERMITTENT, False, False, False, lambda m: _sf().TSB(alpha_d=0.1, alpha_p=0.1),
           "Teunter-Syntetos-Babai (demand probability), alphas 0.1"),
        _c("imapa", INTERMITTENT, False, False, False, lambda m: _sf().IMAPA(),
           "intermittent multiple aggregation prediction algorithm"),
        _c("adida", INTERMITTENT, False, False, False, lambda m: _sf().ADIDA(),
           "aggregate-disaggregate intermittent demand approach"),
    ]
}

#: Candidates tried by default on regular (non-intermittent) series.
DEFAULT_SMOOTH = ("seasonal_naive", "naive", "ses", "theta", "dotm", "ets")
#: Candidates tried by default on intermittent series (ADI > 1.32).
DEFAULT_INTERMITTENT = ("croston_sba", "tsb", "imapa", "adida", "mean")

#: Name of the equal-weight combination candidate (needs no extra fit).
COMBO = "combo"
COMBO_MEMBERS = ("ets", "theta", "dotm")


def fit_predict(name: str, y: np.ndarray, h: int, season_length: int, level: int | None,
                seasonal: bool = False) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Fit candidate ``name`` on ``y`` and forecast ``h`` steps.

    ``seasonal`` says the series was found seasonal (adjusted candidates then
    work on seasonally adjusted data). Returns (mean, lo, hi); lo and hi are
    None when the model has no native intervals or ``level`` is None. Raises
    on any model failure: the caller drops the candidate.
    """
    cand = REGISTRY[name]
    m = season_length if (cand.seasonal or seasonal) else 1
    sa = seasonality.adjust(y, m) if (cand.adjusted and seasonal and m > 1) else None
    fit_y = sa[0] if sa is not None else y
    model = cand.build(m)
    want = [level] if (level is not None and cand.native_intervals) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            out = model.forecast(y=fit_y, h=h, level=want) if want else model.forecast(y=fit_y, h=h)
    mean = np.asarray(out["mean"], dtype=float)
    if mean.shape != (h,) or not np.all(np.isfinite(mean)):
        raise ValueError(f"{name}: non-finite forecast")
    lo = hi = None
    if want:
        lo = np.asarray(out[f"lo-{level}"], dtype=float)
        hi = np.asarray(out[f"hi-{level}"], dtype=float)
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            lo = hi = None
    if sa is not None:
        _, idx, mult = sa
        mean = seasonality.reseason(mean, idx, mult, y.size)
        if lo is not None:
            lo = seasonality.reseason(lo, idx, mult, y.size)
            hi = seasonality.reseason(hi, idx, mult, y.size)
    return mean, lo, hi
