"""Property test: any history gives a complete, finite, zero-clipped, ordered forecast."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.forecasting import forecast_many

values = st.one_of(
    st.just(0.0),
    st.floats(min_value=-50, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=20).map(float),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=1, max_size=40), st.integers(min_value=1, max_value=30),
       st.integers(min_value=0, max_value=3))
def test_any_history_gives_a_complete_sane_forecast(ys, horizon, gaps):
    periods = pd.period_range("2020-01", periods=len(ys) + gaps, freq="M").astype(str)
    keep = sorted(set(range(len(ys) + gaps)) - set(range(1, 1 + gaps)))[: len(ys)]
    df = pd.DataFrame({"series": "x", "period": periods[keep], "quantity": ys})
    fc = forecast_many(df, horizon).forecast
    assert len(fc) == horizon
    q, lo, hi = (fc[c].to_numpy() for c in ("quantity", "lo80", "hi80"))
    assert np.all(np.isfinite(q)) and np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))
    assert np.all(lo >= 0) and np.all(lo <= q) and np.all(q <= hi)
    assert fc["period"].iloc[0] == str(pd.Period(periods[keep[-1]], "M") + 1)
