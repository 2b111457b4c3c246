"""Celery tasks: thin. They take ids, call a service, and leave the state in the run row."""
from __future__ import annotations

from celery import shared_task

from optimizer import execution


@shared_task(name="optimizer.solve_run", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def solve_run(run_id: int) -> str:
    """Solves run ``run_id`` once: a duplicate delivery finds it claimed and exits."""
    return execution.run_execute(run_id=run_id)


@shared_task(name="optimizer.reap_stale_runs", ignore_result=True)
def reap_stale_runs() -> dict:
    """Celery beat, every minute: runs whose heartbeat went stale are re-queued or failed."""
    return execution.runs_reap()
