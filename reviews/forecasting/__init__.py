"""Statistical baseline forecast engine (pure Python, no Django).

Public API (statsforecast is imported lazily, on the first fit):

    from reviews.forecasting import forecast_many, chunk_series, EngineConfig
    from reviews.forecasting import metrics, safety_stock
"""

from .engine import EngineConfig, ForecastResult, chunk_series, forecast_many, forecast_series

__all__ = ["EngineConfig", "ForecastResult", "chunk_series", "forecast_many", "forecast_series"]
