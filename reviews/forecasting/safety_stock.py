"""Suggested safety stock and shortfall cost from forecast error.

Safety stock (units)::

    SS = z(service level) x sigma x sqrt(lead time in months)

- ``z`` is the standard normal quantile of the cycle service level (the
  probability of no stock-out in a replenishment cycle): 1.645 at 95 %.
- ``sigma`` is the forecast error per month in units: the RMSE of the chosen
  model's rolling-origin backtest errors (``diagnostics.error_rmse`` from the
  engine). It is measured over 1 to 12 months ahead, so it is a little larger
  than a one-step error: a deliberately cautious choice, since plans are
  frozen months ahead. Errors are assumed independent from month to month,
  hence the square root of the lead time.

Shortfall cost (money per unit short, the optimizer's backlog/lost-sale
penalty). The newsvendor rule ties it to the service level: a stock level is
optimal when P(demand <= stock) = cu / (cu + co), with cu the cost of a unit
short and co the cost of a unit left over (holding cost per unit per month).
So the service level a planner asks for implies::

    cu = co x SL / (1 - SL)          (95 % with co = 1 -> cu = 19)

and the suggested penalty is the larger of that and the unit margin lost
(price - variable cost), so that shortfall is never cheaper in the solve
than the margin it loses, nor cheaper than the service level implies.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def service_factor(service_level: float) -> float:
    """z: standard normal quantile of a cycle service level in (0, 1)."""
    if not 0.0 < service_level < 1.0:
        raise ValueError(f"service level must be between 0 and 1 (exclusive), got {service_level}")
    return NormalDist().inv_cdf(service_level)


def safety_stock(error_rmse: float, lead_time_months: float, service_level: float = 0.95) -> float:
    """Units of safety stock: z(SL) x monthly forecast error x sqrt(lead time).

    Never negative (a service level under 50 % gives 0); NaN error gives NaN.
    """
    if lead_time_months < 0:
        raise ValueError(f"lead time must not be negative, got {lead_time_months}")
    if error_rmse is None or math.isnan(error_rmse):
        return math.nan
    if error_rmse < 0:
        raise ValueError(f"forecast error must not be negative, got {error_rmse}")
    return max(0.0, service_factor(service_level) * error_rmse * math.sqrt(lead_time_months))


def implied_shortfall_cost(holding_cost: float, service_level: float) -> float:
    """Cost per unit short that makes ``service_level`` optimal (newsvendor)."""
    if holding_cost < 0:
        raise ValueError(f"holding cost must not be negative, got {holding_cost}")
    service_factor(service_level)  # validates the range
    return holding_cost * service_level / (1.0 - service_level)


def service_level_from_costs(shortfall_cost: float, holding_cost: float) -> float:
    """The critical ratio cu / (cu + co): the service level two costs imply."""
    total = shortfall_cost + holding_cost
    if shortfall_cost < 0 or holding_cost < 0 or total == 0:
        raise ValueError("costs must be non-negative and not both zero")
    return shortfall_cost / total


def suggested_shortfall_cost(*, unit_price: float, unit_cost: float, holding_cost: float,
                             service_level: float) -> float:
    """max(unit margin, holding cost x SL / (1 - SL)), in money per unit."""
    margin = max(0.0, unit_price - unit_cost)
    return max(margin, implied_shortfall_cost(holding_cost, service_level))
