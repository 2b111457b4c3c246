"""Exact disaggregation: shares add back to the total whatever the weights (largest remainder)."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.demand.allocation import Layer, allocate, apply_stack, q, scale_exactly


def test_largest_remainder_example():
    assert allocate(Decimal(1000), [Decimal(100), Decimal(50), Decimal(30)]) == [555, 278, 167]


def test_zero_weights_split_evenly():
    assert allocate(Decimal(10), [Decimal(0), Decimal(0), Decimal(0)]) == [4, 3, 3]


def test_negative_totals_are_refused():
    with pytest.raises(ValueError):
        allocate(Decimal(-1), [Decimal(1)])


weights = st.lists(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**8), w=weights)
def test_shares_always_add_back_exactly(total, w):
    shares = allocate(Decimal(total), w)
    assert sum(shares) == total
    assert all(s >= 0 and s == s.to_integral_value() for s in shares)
    mass = sum(w)
    if mass > 0:  # each share is within one unit of its exact proportion
        for share, x in zip(shares, w, strict=True):
            assert abs(share - Decimal(total) * x / mass) < 1


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30),
       pct=st.decimals(min_value=-100, max_value=1000, places=2, allow_nan=False))
def test_a_percent_change_of_an_aggregate_rounds_once(values, pct):
    shares = scale_exactly([Decimal(v) for v in values], pct)
    assert sum(shares) == max(q(Decimal(sum(values)) * (1 + pct / 100)), 0)


@settings(max_examples=100, deadline=None)
@given(base=st.integers(min_value=0, max_value=10**6),
       layers=st.lists(st.tuples(st.sampled_from(["absolute", "percent"]),
                                 st.decimals(min_value=-100, max_value=500, places=1, allow_nan=False)), max_size=6))
def test_override_effects_add_up_to_consensus_minus_baseline(base, layers):
    stack = [Layer(i, k, abs(v) if k == "absolute" else v) for i, (k, v) in enumerate(layers)]
    quantity, trail = apply_stack(Decimal(base), stack)
    assert sum((after - before for _, before, after in trail), Decimal(0)) == quantity - base
    assert quantity >= 0
