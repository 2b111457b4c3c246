"""Seasonality test and classical decomposition (numpy only)."""

import numpy as np
import pytest

from reviews.forecasting import seasonality


def test_strong_season_is_detected_and_noise_is_not():
    t = np.arange(36)
    assert seasonality.is_seasonal(100 + 30 * np.sin(2 * np.pi * t / 12), 12)
    assert not seasonality.is_seasonal(np.random.default_rng(0).normal(100, 5, 36), 12)
    assert not seasonality.is_seasonal(np.ones(20), 12)  # under two seasons


def test_multiplicative_indices_recover_the_pattern_and_average_one():
    pattern = np.array([0.5, 0.8, 1.0, 1.2, 1.5, 1.0, 0.9, 1.1, 1.3, 0.7, 0.9, 1.1])
    pattern = pattern / pattern.mean()
    y = 200 * np.tile(pattern, 3)
    idx, mult = seasonality.seasonal_indices(y, 12)
    assert mult and idx.mean() == pytest.approx(1.0)
    assert np.allclose(idx, pattern, atol=1e-9)


def test_adjust_and_reseason_round_trip():
    y = 50 + 10 * np.tile([1, 3, 2, 0], 4).astype(float)  # m = 4
    adjusted, idx, mult = seasonality.adjust(y, 4)
    back = seasonality.reseason(adjusted[-4:], idx, mult, y.size - 4)
    assert np.allclose(back, y[-4:])


def test_zeros_force_additive_indices():
    y = np.tile([0.0, 10.0, 20.0, 10.0], 4)
    idx, mult = seasonality.seasonal_indices(y, 4)
    assert not mult and idx.sum() == pytest.approx(0.0)
