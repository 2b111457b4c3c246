"""Celery tasks of the demand review: thin, they take ids and call a service."""
from __future__ import annotations

from celery import shared_task


@shared_task(name="reviews.demand.forecast_chunk", acks_late=True, reject_on_worker_lost=True)
def forecast_chunk(chunk_id: int) -> str:
    """Forecasts one chunk of a baseline run (a few hundred series, one process: n_jobs=1)."""
    from reviews.demand.runs import forecast_chunk_process

    return forecast_chunk_process(chunk_id)
