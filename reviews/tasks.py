"""Celery tasks of the reviews app: thin, load by id, call the service."""
from __future__ import annotations

from celery import shared_task


@shared_task(name="reviews.run_import", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import(batch_id: int) -> None:
    from reviews.services import imports

    batch = imports.claim(batch_id)
    if batch is None:
        return
    imports.run_batch(batch)


@shared_task(name="reviews.reap_stale_imports", ignore_result=True)
def reap_stale_imports() -> int:
    """For Celery beat (every few minutes): batches whose worker died are marked failed."""
    from reviews.services import imports

    return imports.reap_stale()
