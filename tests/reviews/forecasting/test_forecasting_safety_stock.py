"""Safety stock and shortfall cost on hand-computed cases."""

import math

import pytest

from reviews.forecasting import safety_stock as ss


def test_safety_stock_is_z_times_error_times_root_lead_time():
    # z(95 %) = 1.6449; sigma 100 units/month; lead time 4 months -> 1.6449 * 100 * 2
    assert ss.safety_stock(100.0, 4.0, 0.95) == pytest.approx(328.97, abs=0.01)
    assert ss.service_factor(0.95) == pytest.approx(1.64485, abs=1e-4)


def test_safety_stock_edges():
    assert ss.safety_stock(100.0, 0.0, 0.95) == 0.0
    assert ss.safety_stock(100.0, 4.0, 0.4) == 0.0  # below 50 %: no buffer
    assert math.isnan(ss.safety_stock(math.nan, 4.0))
    with pytest.raises(ValueError):
        ss.safety_stock(100.0, -1.0)
    with pytest.raises(ValueError):
        ss.service_factor(1.0)


def test_implied_shortfall_cost_follows_the_newsvendor_ratio():
    # SL 95 %, holding 2 per unit-month -> 2 * 0.95 / 0.05 = 38
    assert ss.implied_shortfall_cost(2.0, 0.95) == pytest.approx(38.0)
    assert ss.service_level_from_costs(38.0, 2.0) == pytest.approx(0.95)


def test_suggested_shortfall_cost_is_the_larger_of_margin_and_implied():
    assert ss.suggested_shortfall_cost(unit_price=100, unit_cost=60, holding_cost=1.0,
                                       service_level=0.95) == pytest.approx(40.0)
    assert ss.suggested_shortfall_cost(unit_price=100, unit_cost=90, holding_cost=1.0,
                                       service_level=0.95) == pytest.approx(19.0)
