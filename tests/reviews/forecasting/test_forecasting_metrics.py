"""Accuracy metrics on hand-computed fixtures (no statsforecast needed)."""

import math

import pytest

from reviews.forecasting import metrics

ACTUAL = [10, 20, 0, 30]
FORECAST = [12, 15, 5, 30]
# errors f - a: 2, -5, 5, 0 -> |e| = 2, 5, 5, 0: sum 12; sum a = 60; sum f = 62


def test_wape_is_sum_abs_error_over_sum_actual():
    assert metrics.wape(ACTUAL, FORECAST) == pytest.approx(12 / 60)


def test_bias_is_signed_relative_total_error():
    assert metrics.bias(ACTUAL, FORECAST) == pytest.approx((62 - 60) / 60)
    assert metrics.bias([10, 10], [5, 5]) == pytest.approx(-0.5)


def test_mae_and_rmse():
    assert metrics.mae(ACTUAL, FORECAST) == pytest.approx(3.0)
    assert metrics.rmse(ACTUAL, FORECAST) == pytest.approx(math.sqrt((4 + 25 + 25 + 0) / 4))


def test_smape_counts_zero_zero_as_perfect_and_zero_actual_as_two():
    # terms: 2*2/22, 2*5/35, 2*5/5 = 2, 0
    expected = (4 / 22 + 10 / 35 + 2 + 0) / 4
    assert metrics.smape(ACTUAL, FORECAST) == pytest.approx(expected)
    assert metrics.smape([0, 0], [0, 0]) == 0.0


def test_mase_scales_by_in_sample_seasonal_naive():
    insample = [1, 2, 3, 4, 3, 4, 5, 6]  # m=4: |3-1|,|4-2|,|5-3|,|6-4| -> scale 2
    assert metrics.mase_scale(insample, 4) == pytest.approx(2.0)
    assert metrics.mase([6, 7], [5, 10], insample, 4) == pytest.approx(((1 + 3) / 2) / 2.0)


def test_mase_falls_back_to_lag_one_on_short_history():
    insample = [10, 12, 11]  # m=12 too long: lag 1 -> (2 + 1) / 2
    assert metrics.mase_scale(insample, 12) == pytest.approx(1.5)
    assert metrics.mase([12], [9], insample, 12) == pytest.approx(3 / 1.5)


def test_zero_safe_definitions():
    assert metrics.wape([0, 0], [0, 0]) == 0.0
    assert math.isnan(metrics.wape([0, 0], [1, 0]))
    assert metrics.bias([0, 0], [0, 0]) == 0.0
    assert math.isnan(metrics.bias([0], [3]))
    assert metrics.mase([5], [5], [5, 5, 5], 12) == 0.0  # constant history, perfect forecast
    assert math.isnan(metrics.mase([5], [6], [5, 5, 5], 12))
    assert math.isnan(metrics.mase([5], [6], [5], 12))  # one value: no scale
    assert math.isnan(metrics.mae([], []))


def test_nan_pairs_are_ignored():
    assert metrics.wape([10, math.nan, 20], [12, 99, 15]) == pytest.approx(7 / 30)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="3 values but forecast has 2"):
        metrics.wape([1, 2, 3], [1, 2])


def test_fva_is_reference_wape_minus_candidate_wape():
    actual = [100, 100]
    baseline = [80, 130]  # WAPE 50/200 = 0.25
    consensus = [95, 110]  # WAPE 15/200 = 0.075
    assert metrics.fva(actual, consensus, baseline) == pytest.approx(0.175)
    assert metrics.fva(actual, baseline, consensus) == pytest.approx(-0.175)


def test_accuracy_summary_holds_every_metric():
    s = metrics.accuracy_summary(ACTUAL, FORECAST, insample=[1, 2, 3], m=12)
    assert set(s) == {"mae", "rmse", "wape", "bias", "smape", "mase"}
    assert s["mase"] == pytest.approx(3.0 / 1.0)
