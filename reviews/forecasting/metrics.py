"""Forecast accuracy metrics: small pure functions on arrays.

Shared by the baseline engine (model selection, backtests) and the app's
accuracy and forecast-value-added pages. Conventions:

- ``actual`` and ``forecast`` are array-likes of equal length; pairs where
  either value is NaN are ignored (a missing actual is not an error of zero).
- Ratios are returned as fractions (0.12 means 12 %); pages multiply by 100.
- Zero-safe: when a denominator is zero the metric is 0.0 if the numerator is
  zero too (a perfect forecast of nothing) and NaN otherwise ("not defined",
  shown as n/a), never an exception or an infinity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

ArrayLike = Sequence[float] | np.ndarray


def _pair(actual: ArrayLike, forecast: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    if a.shape != f.shape:
        raise ValueError(f"actual has {a.size} values but forecast has {f.size}")
    keep = ~(np.isnan(a) | np.isnan(f))
    return a[keep], f[keep]


def _ratio(num: float, den: float) -> float:
    if den == 0:
        return 0.0 if num == 0 else math.nan
    return float(num / den)


def mae(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean absolute error; NaN when there is no pair to compare."""
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f))) if a.size else math.nan


def rmse(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Root mean squared error; NaN when there is no pair to compare."""
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2))) if a.size else math.nan


def wape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Weighted absolute percentage error: sum|a - f| / sum|a|.

    Robust to zero actuals (unlike MAPE); the accuracy measure of the app.
    """
    a, f = _pair(actual, forecast)
    return _ratio(float(np.sum(np.abs(a - f))), float(np.sum(np.abs(a))))


def bias(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Signed bias: (sum f - sum a) / sum a. Positive means over-forecast."""
    a, f = _pair(actual, forecast)
    return _ratio(float(np.sum(f) - np.sum(a)), float(np.sum(a)))


def smape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Symmetric MAPE, mean of 2|a - f| / (|a| + |f|), in [0, 2].

    A pair where both values are zero counts as a perfect 0. Breaks down on
    zero-heavy series (any non-zero forecast of a zero actual scores 2):
    use WAPE, bias and MASE there.
    """
    a, f = _pair(actual, forecast)
    if not a.size:
        return math.nan
    den = np.abs(a) + np.abs(f)
    terms = np.divide(2.0 * np.abs(a - f), den, out=np.zeros_like(den), where=den > 0)
    return float(np.mean(terms))


def mase_scale(insample: ArrayLike, m: int = 12) -> float:
    """In-sample MAE of the seasonal naive forecast (lag m) that scales MASE.

    Falls back to lag 1 when the history is not longer than m, or when the
    seasonal scale is zero. NaN when no scale can be computed (history of one
    value) and 0.0 for a constant history.
    """
    y = np.asarray(insample, dtype=float).ravel()
    y = y[~np.isnan(y)]
    for lag in (m, 1) if m > 1 else (1,):
        if y.size > lag:
            scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
            if scale > 0 or lag == 1:
                return scale
    return math.nan


def mase(actual: ArrayLike, forecast: ArrayLike, insample: ArrayLike, m: int = 12) -> float:
    """Mean absolute scaled error: MAE / in-sample MAE of the seasonal naive.

    Zero-safe: a zero scale (constant history) gives 0.0 for a perfect
    forecast and NaN otherwise; see ``mase_scale`` for the lag fallback.
    """
    err = mae(actual, forecast)
    if math.isnan(err):
        return math.nan
    scale = mase_scale(insample, m)
    if math.isnan(scale):
        return math.nan
    return _ratio(err, scale)


def fva(actual: ArrayLike, forecast: ArrayLike, reference: ArrayLike) -> float:
    """Forecast value added, in WAPE points (fraction; 0.05 is 5 points).

    ``wape(reference) - wape(forecast)``: positive when ``forecast`` (e.g. the
    consensus after overrides) is more accurate than ``reference`` (e.g. the
    statistical baseline, or a naive forecast). NaN when either WAPE is.
    """
    return wape(actual, reference) - wape(actual, forecast)


def accuracy_summary(actual: ArrayLike, forecast: ArrayLike, insample: ArrayLike | None = None,
                     m: int = 12) -> dict[str, float]:
    """All metrics at once (MASE only when the in-sample history is given)."""
    out = {
        "mae": mae(actual, forecast),
        "rmse": rmse(actual, forecast),
        "wape": wape(actual, forecast),
        "bias": bias(actual, forecast),
        "smape": smape(actual, forecast),
    }
    if insample is not None:
        out["mase"] = mase(actual, forecast, insample, m)
    return out
