"""Seasonality test and classical decomposition, in numpy.

statsforecast's Theta only deseasonalises when a series has two full
seasons *inside the fitted window* and its own test passes, so on a 36-month
history backtested from month 24 it mostly does not, and a seasonal series
is forecast flat. The engine therefore tests seasonality once on the whole
history and, for seasonal series, fits the non-seasonal models (Theta, DOTM,
ETS) on seasonally adjusted data, re-estimating the indices from each
training window only, then multiplies the season back (the M4 benchmarks'
recipe).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def acf(y: np.ndarray, nlags: int) -> np.ndarray:
    """Sample autocorrelations at lags 1..nlags."""
    x = np.asarray(y, dtype=float) - np.mean(y)
    den = float(np.dot(x, x))
    if den == 0:
        return np.zeros(nlags)
    return np.array([np.dot(x[k:], x[:-k]) / den for k in range(1, nlags + 1)])


def is_seasonal(y: np.ndarray, m: int, confidence: float = 0.90) -> bool:
    """The M4 seasonality test: is the autocorrelation at lag m significant?

    Needs at least two seasons; ``confidence`` 0.90 is the M4 setting.
    """
    y = np.asarray(y, dtype=float)
    if m < 2 or y.size < 2 * m:
        return False
    r = acf(y, m)
    limit = np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / y.size) * NormalDist().inv_cdf(confidence)
    return bool(abs(r[-1]) > limit)


def seasonal_indices(y: np.ndarray, m: int) -> tuple[np.ndarray, bool] | None:
    """Classical decomposition indices, one per position (t mod m) from t=0.

    Returns (indices, multiplicative); multiplicative unless the data or an
    index come near zero, then additive (indices sum to 0). None when there
    are fewer than two seasons.
    """
    y = np.asarray(y, dtype=float)
    n = y.size
    if m < 2 or n < 2 * m:
        return None
    if m % 2 == 0:
        w = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        w = np.ones(m) / m
    trend = np.convolve(y, w, mode="valid")  # centred moving average
    offset = (w.size - 1) // 2
    pos = (np.arange(trend.size) + offset) % m
    yy = y[offset:offset + trend.size]
    if np.all(trend > 0):
        ratio = yy / trend
        idx = np.bincount(pos, weights=ratio, minlength=m) / np.maximum(np.bincount(pos, minlength=m), 1)
        idx = idx / np.mean(idx)
        if np.all(idx > 0.05):
            return idx, True
    diff = yy - trend
    idx = np.bincount(pos, weights=diff, minlength=m) / np.maximum(np.bincount(pos, minlength=m), 1)
    return idx - np.mean(idx), False


def adjust(y: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """(seasonally adjusted y, indices, multiplicative) or None if no indices."""
    found = seasonal_indices(y, m)
    if found is None:
        return None
    idx, mult = found
    full = idx[np.arange(y.size) % m]
    return (y / full if mult else y - full), idx, mult


def reseason(values: np.ndarray, idx: np.ndarray, mult: bool, start: int) -> np.ndarray:
    """Put the season back on a forecast whose first step is position ``start``."""
    m = idx.size
    full = idx[(start + np.arange(values.size)) % m]
    return values * full if mult else values + full
