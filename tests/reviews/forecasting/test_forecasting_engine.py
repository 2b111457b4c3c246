"""Engine behaviour on awkward histories: never a crash, zero-clipped, monthly periods."""

import datetime
import multiprocessing

import numpy as np
import pandas as pd
import pytest

from reviews.forecasting import chunk_series, forecast_many
from reviews.forecasting.engine import month_ordinals


def frame(rows):
    return pd.DataFrame(rows, columns=["series", "period", "quantity"])


def monthly(sid, values, start="2023-01"):
    first = pd.Period(start, "M")
    return [(sid, str(first + k), v) for k, v in enumerate(values)]


def test_one_and_two_point_series_get_a_fallback_forecast():
    result = forecast_many(frame([("one", "2024-05", 7.0), *monthly("two", [4.0, 6.0], "2024-04")]), 18)
    fc = result.forecast
    one = fc[fc.series == "one"]
    assert len(one) == 18 and (one["quantity"] == 7.0).all() and one["model"].eq("mean").all()
    assert one["period"].iloc[0] == "2024-06" and one["period"].iloc[-1] == "2025-11"
    two = fc[fc.series == "two"]
    assert (two["quantity"] == 5.0).all()
    assert (two["lo80"] <= two["quantity"]).all() and (two["hi80"] > two["quantity"]).all()


def test_all_zero_series_forecasts_zeros():
    result = forecast_many(frame(monthly("z", [0.0] * 30)), 24)
    assert (result.forecast[["quantity", "lo80", "hi80"]] == 0).all().all()
    assert result.forecast["model"].eq("zero").all()


def test_gaps_are_zero_and_periods_continue_from_the_last_month():
    rows = [("g", "2023-01", 10.0), ("g", "2023-04", 10.0), ("g", "2023-06-17", 10.0)]
    result = forecast_many(frame(rows), 3)
    assert list(result.forecast["period"]) == ["2023-07", "2023-08", "2023-09"]
    assert result.diagnostics.iloc[0]["n_obs"] == 6  # Jan..Jun with Feb, Mar, May at 0


def test_rows_in_the_same_month_are_summed_and_negative_months_clipped():
    rows = [*monthly("r", [20.0] * 12), ("r", "2023-03-15", -5.0), ("n", "2023-01", -3.0)]
    result = forecast_many(frame(rows), 6)
    assert (result.forecast["quantity"] >= 0).all() and (result.forecast["lo80"] >= 0).all()
    neg = result.diagnostics.set_index("series")["negatives_clipped"]
    assert neg["r"] == 0 and neg["n"] == 1  # 20 - 5 stays positive; -3 is clipped
    assert result.forecast[result.forecast.series == "n"]["model"].eq("zero").all()


def test_huge_magnitudes_and_decimals_are_handled():
    rng = np.random.default_rng(2)
    big = 3e11 * (1 + 0.2 * np.sin(np.arange(40) / 2)) + rng.normal(0, 1e9, 40)
    small = 0.003 * (1 + 0.1 * rng.random(40))
    result = forecast_many(frame(monthly("big", big) + monthly("small", small)), 24)
    fc = result.forecast.set_index("series")
    assert np.all(np.isfinite(fc[["quantity", "lo80", "hi80"]].to_numpy()))
    assert 1e11 < fc.loc["big", "quantity"].mean() < 1e12
    assert 0.001 < fc.loc["small", "quantity"].mean() < 0.01


def test_forecasts_and_bounds_are_ordered_and_non_negative():
    rng = np.random.default_rng(4)
    series = {f"s{i}": np.maximum(0, rng.normal(5, 6, 30)) for i in range(8)}
    rows = [r for sid, y in series.items() for r in monthly(sid, y)]
    fc = forecast_many(frame(rows), 24).forecast
    assert (fc["lo80"] >= 0).all()
    assert (fc["lo80"] <= fc["quantity"]).all() and (fc["quantity"] <= fc["hi80"]).all()


def test_a_long_zero_run_before_a_launch_is_dropped_but_periods_follow_the_history():
    result = forecast_many(frame(monthly("late", [0.0] * 20 + [10.0, 12.0, 11.0, 12.0])), 2)
    diag = result.diagnostics.iloc[0]
    assert diag["n_obs"] == 4 and diag["leading_zeros_dropped"] == 20
    assert list(result.forecast["period"]) == ["2025-01", "2025-02"]
    assert result.forecast["quantity"].between(9, 13).all()


def test_leading_zeros_of_an_intermittent_series_are_kept():
    y = [0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4, 0, 0]
    result = forecast_many(frame(monthly("sparse", [float(v) for v in y])), 3)
    diag = result.diagnostics.iloc[0]
    assert diag["n_obs"] == 30 and diag["leading_zeros_dropped"] == 0
    assert result.forecast["quantity"].iloc[0] < 1.5  # about 16 units in 30 months


def test_a_single_sale_after_years_of_zeros_is_not_a_launch():
    result = forecast_many(frame(monthly("once", [0.0] * 59 + [5.0])), 3)
    assert result.forecast["quantity"].iloc[0] < 1


def test_subset_progress_and_chunks():
    rows = [r for i in range(5) for r in monthly(f"s{i}", [float(i + 1)] * 8)]
    calls = []
    result = forecast_many(frame(rows), 4, series=["s1", "s3"], progress=lambda d, t: calls.append((d, t)))
    assert list(result.diagnostics["series"]) == ["s1", "s3"]
    assert calls[-1] == (2, 2)
    assert chunk_series(["a", "b", "c", "d", "e"], 2) == [["a", "b"], ["c", "d"], ["e"]]
    with pytest.raises(ValueError):
        chunk_series(["a"], 0)


def test_parallel_run_matches_serial_run():
    rng = np.random.default_rng(9)
    rows = [r for i in range(6) for r in monthly(f"s{i}", 50 + rng.normal(0, 5, 30))]
    serial = forecast_many(frame(rows), 6)
    parallel = forecast_many(frame(rows), 6, n_jobs=2, chunk_size=2)
    pd.testing.assert_frame_equal(serial.forecast, parallel.forecast)


def test_daemon_process_forces_a_single_worker(monkeypatch):
    from reviews.forecasting import engine

    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert engine._workers(-1) == 1


def test_horizon_must_be_positive():
    with pytest.raises(ValueError):
        forecast_many(frame(monthly("a", [1.0, 2.0])), 0)


def test_month_ordinals_accept_strings_dates_and_periods():
    values = ["2024-01", "2024-02-29", pd.Timestamp("2024-03-05"), datetime.date(2024, 4, 1)]
    assert list(month_ordinals(values)) == [2024 * 12, 2024 * 12 + 1, 2024 * 12 + 2, 2024 * 12 + 3]
    dates = pd.Series([datetime.date(2023, 12, 1), datetime.date(2024, 1, 1)])
    assert list(month_ordinals(dates)) == [2023 * 12 + 11, 2024 * 12]
    periods = pd.Series(pd.period_range("2024-01", periods=2, freq="M"))
    assert list(month_ordinals(periods)) == [2024 * 12, 2024 * 12 + 1]
