"""Model choice on synthetic series with a known best kind of model (seeded)."""

import numpy as np
import pandas as pd
import pytest

from reviews.forecasting import forecast_many
from reviews.forecasting.selection import CandidateScore, choose, plan_origins

SEASONAL_MODELS = {"seasonal_naive", "ets", "theta", "dotm", "combo", "naive", "ses", "arima"}
INTERMITTENT_MODELS = {"croston_sba", "tsb", "imapa", "adida", "mean"}
TRENDING_MODELS = {"theta", "dotm", "ets", "combo", "arima"}


def frame(series: dict[str, np.ndarray], start: str = "2021-01") -> pd.DataFrame:
    first = pd.Period(start, "M")
    rows = [(sid, str(first + k), float(v)) for sid, y in series.items() for k, v in enumerate(y)]
    return pd.DataFrame(rows, columns=["series", "period", "quantity"])


def test_origins_sit_in_the_last_backtest_horizon():
    plan = plan_origins(36, horizon=12, windows=3, min_train=24)
    assert plan.origins == (24, 28, 32) and plan.horizon == 12
    short = plan_origins(30, horizon=12, windows=3, min_train=24)  # shrinks to keep 24 months of training
    assert short.origins == (24, 26, 28) and short.horizon == 6
    assert plan_origins(6, horizon=12, windows=3, min_train=6) is None


def test_choose_ranks_by_error_and_drops_failed_candidates():
    a = np.array([10.0, 10.0])
    good = CandidateScore("good", [a], [a + 1])
    bad = CandidateScore("bad", [a], [a + 5])
    broken = CandidateScore("broken", [a], [a], failed="boom")
    assert choose({"bad": bad, "good": good, "broken": broken}, "mae") == ["good", "bad"]


def test_pure_seasonal_series_gets_a_seasonal_forecast():
    rng = np.random.default_rng(11)
    pattern = np.array([50, 60, 80, 120, 160, 200, 210, 190, 140, 100, 70, 55], dtype=float)
    y = np.tile(pattern, 4) + rng.normal(0, 2, 48)
    result = forecast_many(frame({"S": y}), 24)
    diag = result.diagnostics.iloc[0]
    assert bool(diag["seasonal"]) and diag["model"] in SEASONAL_MODELS
    fc = result.forecast["quantity"].to_numpy()
    assert np.corrcoef(fc[:12], pattern)[0, 1] > 0.95
    assert np.abs(fc[:12] - pattern).mean() < 10


def test_intermittent_series_is_given_to_the_croston_family():
    rng = np.random.default_rng(5)
    y = (rng.random(48) < 0.25) * rng.integers(1, 8, 48)
    y[0] = 3
    result = forecast_many(frame({"I": y}), 24)
    diag = result.diagnostics.iloc[0]
    assert diag["demand_class"] in {"intermittent", "lumpy"} and diag["adi"] > 1.32
    assert diag["model"] in INTERMITTENT_MODELS
    fc = result.forecast["quantity"].to_numpy()
    assert np.allclose(fc, fc[0]) and 0 < fc[0] < y.max()  # a flat demand rate


def test_trending_series_gets_a_trending_model():
    rng = np.random.default_rng(3)
    y = 100 + 8 * np.arange(40) + rng.normal(0, 3, 40)
    result = forecast_many(frame({"T": y}), 24)
    model = result.diagnostics.iloc[0]["model"]
    assert model in TRENDING_MODELS
    fc = result.forecast["quantity"].to_numpy()
    assert fc[-1] > fc[0] > y[-5:].mean()


def test_backtest_table_has_one_row_per_candidate_and_marks_the_winner():
    rng = np.random.default_rng(1)
    y = 100 + rng.normal(0, 5, 36)
    result = forecast_many(frame({"N": y}), 18)
    bt = result.backtest
    assert bt["chosen"].sum() == 1
    assert bt.loc[bt["chosen"], "model"].item() == result.diagnostics.iloc[0]["model"]
    assert {"seasonal_naive", "ets", "theta"} <= set(bt["model"])


@pytest.mark.parametrize("seed", [0, 1])
def test_selection_is_deterministic(seed):
    rng = np.random.default_rng(seed)
    y = 100 + 10 * np.sin(np.arange(36)) + rng.normal(0, 5, 36)
    a = forecast_many(frame({"D": y}), 12).forecast
    b = forecast_many(frame({"D": y}), 12).forecast
    pd.testing.assert_frame_equal(a, b)


def test_combination_keeps_the_members_that_survive_on_a_short_history():
    rng = np.random.default_rng(0)
    y = 100 + 5 * np.arange(10) + rng.normal(0, 3, 10)  # too short for the damped-trend ETS
    bt = forecast_many(frame({"short": y}), 6).backtest.set_index("model")
    assert bt.loc["ets", "failed"].startswith("NotImplementedError")
    assert bt.loc["combo", "failed"] == "" and bt.loc["combo", "points"] == 6
