"""The worker's side: claimed once, attempts capped, failures and cancels recorded with the reason,
results stored in one transaction (all or nothing)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from cycles.models import Event
from optimizer import execution, services, tasks
from optimizer.engine import SolveCancelled
from optimizer.models import (
    PlanComponentPeriod,
    PlanFamilyChannelPeriod,
    PlanFamilyPeriod,
    PlanResourcePeriod,
    SolveRun,
)

PLAN_MODELS = [PlanFamilyPeriod, PlanFamilyChannelPeriod, PlanResourcePeriod, PlanComponentPeriod]


def verbs(run):
    return list(Event.objects.filter(object_id=str(run.pk), verb__startswith="solve.")
                .order_by("created_at", "id").values_list("verb", flat=True))


def test_the_task_solves_and_stores_plan_document_rows_kpis_and_history(submit):
    run = submit()
    assert tasks.solve_run(run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.status == "succeeded" and run.progress == 1 and run.attempts == 1
    assert run.plan["format"] == "sop-plan/1" and run.plan_status == "optimal"
    assert run.started_at <= run.finished_at and run.heartbeat_at is not None
    assert run.kpis["profit"] == pytest.approx(run.plan["objective"]["profit"])
    assert run.comparison["value"] == pytest.approx(run.kpis["value"])
    assert run.stats["solver"]["name"] and "solve" in run.stats["timings"]
    assert PlanFamilyPeriod.objects.filter(run=run).count() == 6
    assert PlanFamilyChannelPeriod.objects.filter(run=run).count() == 12
    assert PlanResourcePeriod.objects.filter(run=run).count() == 3
    assert PlanComponentPeriod.objects.filter(run=run).count() == 3
    assert verbs(run) == ["solve.submitted", "solve.started", "solve.succeeded"]


def test_a_duplicate_delivery_finds_the_run_claimed_and_exits(submit, monkeypatch):
    run = submit()
    calls = []

    def solve_while_a_duplicate_arrives(problem, **kw):
        calls.append(1)
        assert execution.run_execute(run_id=run.pk) == "skipped"  # the duplicate delivery
        return execution.__dict__["_real_solve"](problem, **kw)

    monkeypatch.setitem(execution.__dict__, "_real_solve", execution._engine_solve)
    monkeypatch.setattr(execution, "_engine_solve", solve_while_a_duplicate_arrives)
    assert execution.run_execute(run_id=run.pk) == "succeeded"
    assert calls == [1]
    assert execution.run_execute(run_id=run.pk) == "skipped"  # a late redelivery of a finished run
    run.refresh_from_db()
    assert run.attempts == 1 and PlanFamilyPeriod.objects.filter(run=run).count() == 6


def test_a_delivery_of_a_run_whose_worker_went_silent_takes_it_over(submit, settings):
    settings.OPTIMIZER = {"STALE_AFTER": 60}
    run = submit()
    SolveRun.objects.filter(pk=run.pk).update(status="running", attempts=1, worker_token="dead",
                                              heartbeat_at=timezone.now() - timedelta(seconds=61))
    assert execution.run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.attempts == 2 and run.status == "succeeded"


def test_attempts_are_capped_in_the_run_row(submit, settings):
    settings.OPTIMIZER = {"STALE_AFTER": 60}
    run = submit()
    SolveRun.objects.filter(pk=run.pk).update(status="running", attempts=3, worker_token="dead",
                                              heartbeat_at=timezone.now() - timedelta(seconds=61))
    assert execution.run_execute(run_id=run.pk) == "skipped"
    run.refresh_from_db()
    assert run.status == "failed" and run.attempts == 3
    assert run.error.startswith("Gave up after 3 attempt(s)")
    assert "solve.failed" in verbs(run)


def test_an_engine_exception_fails_the_run_with_the_reason_and_it_can_be_rerun(submit, supply, monkeypatch):
    run = submit()

    def boom(problem, **kw):
        raise MemoryError("out of memory building the model")

    monkeypatch.setattr(execution, "_engine_solve", boom)
    assert execution.run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "MemoryError: out of memory" in run.error
    assert "traceback" in run.stats and run.plan is None
    assert not PlanFamilyPeriod.objects.filter(run=run).exists()
    monkeypatch.undo()
    again = services.solve_rerun(actor=supply, run=run)
    assert again.pk != run.pk and again.rerun_of_id == run.pk and again.problem == run.problem
    assert tasks.solve_run(again.pk) == "succeeded"


def test_a_solver_error_plan_fails_the_run_and_keeps_the_error_plan(submit, monkeypatch):
    run = submit()
    monkeypatch.setattr(execution, "_engine_solve", lambda problem, **kw: {
        "format": "sop-plan/1", "status": "error", "message": "HiGHS returned no solution", "objective": None})
    assert execution.run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.error == "The solver failed: HiGHS returned no solution"
    assert run.plan["status"] == "error" and run.plan_status == "error"


def test_the_soft_time_limit_fails_the_run_with_the_reason(submit, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    run = submit()

    def slow(problem, **kw):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(execution, "_engine_solve", slow)
    assert execution.run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert "soft time limit" in run.error


def test_the_engine_gets_the_capped_time_limit_and_the_options(submit, monkeypatch, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 400
    settings.OPTIMIZER = {"TIME_LIMIT_MARGIN": 100}
    seen = {}

    def spy(problem, **kw):
        seen.update(kw)
        return execution.__dict__["_real"](problem, **kw)

    monkeypatch.setitem(execution.__dict__, "_real", execution._engine_solve)
    monkeypatch.setattr(execution, "_engine_solve", spy)
    run = submit(time_limit=9999, gap=0.01, baseline=False)
    execution.run_execute(run_id=run.pk)
    assert seen["time_limit"] == 300 and seen["gap"] == 0.01 and seen["baseline"] is False
    run.refresh_from_db()
    assert run.status == "succeeded" and run.comparison is None and "baseline" not in run.kpis


def test_a_failure_while_storing_leaves_nothing_half_written(submit, monkeypatch):
    run = submit()

    def fail(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PlanResourcePeriod.objects, "bulk_create", fail)
    assert execution.run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "Storing the plan failed (nothing was kept): RuntimeError: disk full" in run.error
    assert run.plan is None and run.kpis == {}
    for model in PLAN_MODELS:
        assert not model.objects.filter(run=run).exists(), model.__name__
    assert "solve.succeeded" not in verbs(run)


def test_a_worker_that_lost_the_run_cannot_store_its_results(submit, monkeypatch):
    run = submit()

    def reclaimed_meanwhile(problem, **kw):
        plan = execution.__dict__["_real"](problem, **kw)
        SolveRun.objects.filter(pk=run.pk).update(worker_token="someone-else")
        return plan

    monkeypatch.setitem(execution.__dict__, "_real", execution._engine_solve)
    monkeypatch.setattr(execution, "_engine_solve", reclaimed_meanwhile)
    assert execution.run_execute(run_id=run.pk) == "lost"
    run.refresh_from_db()
    assert run.status == "running" and run.plan is None
    assert not PlanFamilyPeriod.objects.filter(run=run).exists()


def test_cancelling_a_queued_run_stops_it_before_it_starts(submit, demand):
    run = submit()
    services.solve_cancel(actor=demand, run=run)
    run.refresh_from_db()
    assert run.status == "cancelled" and run.error == "Cancelled by demand before it started."
    assert execution.run_execute(run_id=run.pk) == "skipped"
    run.refresh_from_db()
    assert run.status == "cancelled" and run.attempts == 0


def test_cancelling_a_running_solve_is_honoured_through_should_stop(submit, finance, monkeypatch, settings):
    settings.OPTIMIZER = {"CANCEL_POLL_EVERY": 0}
    run = submit()

    def cooperative(problem, *, progress, should_stop, **kw):
        progress("build", 0.05)
        assert should_stop() is False
        services.solve_cancel(actor=finance, run=SolveRun.objects.get(pk=run.pk))  # the user clicks Cancel
        progress("solve", 0.3)
        if should_stop():
            raise SolveCancelled()
        raise AssertionError("should_stop did not see the cancel")

    monkeypatch.setattr(execution, "_engine_solve", cooperative)
    assert execution.run_execute(run_id=run.pk) == "cancelled"
    run.refresh_from_db()
    assert run.status == "cancelled" and run.error == "Cancelled by finance while solving."
    assert run.progress == pytest.approx(0.3) and run.cancelled_by == finance
    assert verbs(run)[-2:] == ["solve.cancel_requested", "solve.cancelled"]


def test_progress_and_phase_are_written_to_the_run_row(submit, monkeypatch, settings):
    settings.OPTIMIZER = {"PROGRESS_EVERY": 0}
    run = submit()
    seen = []

    def watch(problem, *, progress, **kw):
        for phase, frac in [("validate", 0.0), ("build", 0.05), ("solve", 0.4)]:
            progress(phase, frac)
            seen.append(SolveRun.objects.values_list("phase", "progress").get(pk=run.pk))
        raise RuntimeError("stop here")

    monkeypatch.setattr(execution, "_engine_solve", watch)
    execution.run_execute(run_id=run.pk)
    assert seen == [("validate", 0.0), ("build", 0.05), ("solve", 0.4)]


def test_finished_runs_refuse_cancel_and_running_runs_refuse_rerun(submit, supply):
    from sop.errors import ConflictError

    run = submit()
    tasks.solve_run(run.pk)
    run.refresh_from_db()
    with pytest.raises(ConflictError):
        services.solve_cancel(actor=supply, run=run)
    with pytest.raises(ConflictError):
        services.solve_rerun(actor=supply, run=run)


def test_the_engine_can_also_run_in_the_workers_own_process(submit, settings):
    settings.OPTIMIZER = {"SUBPROCESS": False}
    run = submit()
    assert tasks.solve_run(run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.status == "succeeded" and run.plan_status == "optimal"
