"""The reaper (Celery beat, every minute): runs whose heartbeat went stale are re-queued while
attempts remain, else failed with the reason; a run whose cancel was asked is cancelled."""
from datetime import timedelta

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from optimizer import execution, tasks
from optimizer.models import SolveRun


def _running(run, *, attempts=1, age=400, cancel=False):
    SolveRun.objects.filter(pk=run.pk).update(status="running", attempts=attempts, worker_token="w1",
                                              heartbeat_at=timezone.now() - timedelta(seconds=age),
                                              cancel_requested=cancel)


def test_a_stale_run_with_attempts_left_is_requeued_and_sent_again(submit, django_capture_on_commit_callbacks,
                                                                     monkeypatch):
    sent = []
    monkeypatch.setattr("optimizer.tasks.solve_run.apply_async", lambda args, task_id: sent.append(args))
    run = submit()
    _running(run, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        out = tasks.reap_stale_runs()
    assert out["requeued"] == [run.pk]
    run.refresh_from_db()
    assert run.status == "queued" and run.worker_token == "" and "no heartbeat since" in run.error
    assert sent == [[run.pk]]
    assert execution.run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.attempts == 2


def test_a_stale_run_at_the_cap_is_failed_with_the_reason(submit):
    run = submit()
    _running(run, attempts=3)
    assert tasks.reap_stale_runs()["failed"] == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "the worker stopped responding" in run.error and run.finished_at


def test_a_stale_run_whose_cancel_was_asked_is_cancelled(submit):
    run = submit()
    _running(run, cancel=True)
    assert tasks.reap_stale_runs()["cancelled"] == [run.pk]
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_fresh_heartbeats_and_finished_runs_are_left_alone(submit):
    fresh, queued = submit(), submit()
    _running(fresh, age=5)
    assert tasks.reap_stale_runs() == {"requeued": [], "failed": [], "cancelled": []}
    assert SolveRun.objects.get(pk=fresh.pk).status == "running"
    assert SolveRun.objects.get(pk=queued.pk).status == "queued"


def test_a_worker_that_was_reaped_cannot_write_its_results_later(submit, monkeypatch):
    run = submit()

    def reaped_while_solving(problem, **kw):
        plan = execution.__dict__["_real"](problem, **kw)
        SolveRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
        tasks.reap_stale_runs()
        return plan

    monkeypatch.setitem(execution.__dict__, "_real", execution._engine_solve)
    monkeypatch.setattr(execution, "_engine_solve", reaped_while_solving)
    assert execution.run_execute(run_id=run.pk) == "lost"
    run.refresh_from_db()
    assert run.status == "queued" and run.plan is None


def test_the_reaper_is_scheduled_in_celery_beat(db):
    task = PeriodicTask.objects.get(task="optimizer.reap_stale_runs")
    assert task.enabled and task.interval.every == 60 and task.interval.period == "seconds"
