"""The monitor thread: a heartbeat while the engine is silent, cancels seen during native solves,
and a cancel the solver does not honour recorded anyway (its late result discarded).
Real threads and committed rows (transactional database)."""
import threading
import time

import pytest

from optimizer import execution, services
from optimizer.engine import SolveCancelled
from optimizer.models import PlanFamilyPeriod, SolveRun
from tests.optimizer.helpers import tiny

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {"HEARTBEAT_EVERY": 0.1, "CANCEL_POLL_EVERY": 0.05, "PROGRESS_EVERY": 0.05, "CANCEL_GRACE": 0.4}


@pytest.fixture(autouse=True)
def fast_monitor(settings, monkeypatch):
    settings.OPTIMIZER = FAST
    # Committed at once here, so the job would run eagerly inside submit: the test runs it.
    monkeypatch.setattr(services, "_enqueue", lambda run_id, task_id: None)


def test_the_heartbeat_goes_on_while_the_engine_says_nothing(supply, monkeypatch):
    run = services.solve_submit(actor=supply, problem=tiny())
    beats = []

    def silent(problem, **kw):
        start = SolveRun.objects.get(pk=run.pk).heartbeat_at
        time.sleep(0.6)  # a long native call: no progress, no should_stop
        beats.append((start, SolveRun.objects.get(pk=run.pk).heartbeat_at))
        return execution.__dict__["_real"](problem, **kw)

    monkeypatch.setitem(execution.__dict__, "_real", execution._engine_solve)
    monkeypatch.setattr(execution, "_engine_solve", silent)
    assert execution.run_execute(run_id=run.pk) == "succeeded"
    (start, later), = beats
    assert later > start


def test_a_cancel_reaches_the_engines_watcher_thread(supply, finance, monkeypatch):
    run = services.solve_submit(actor=supply, problem=tiny())

    def native_like(problem, *, should_stop, **kw):
        stopped = threading.Event()

        def watcher():  # the engine polls from its own thread during native solves
            while not stopped.wait(0.02):
                if should_stop():
                    stopped.set()

        thread = threading.Thread(target=watcher)
        thread.start()
        services.solve_cancel(actor=finance, run=SolveRun.objects.get(pk=run.pk))
        assert stopped.wait(5), "the cancel never reached should_stop"
        thread.join()
        raise SolveCancelled()

    monkeypatch.setattr(execution, "_engine_solve", native_like)
    assert execution.run_execute(run_id=run.pk) == "cancelled"
    run.refresh_from_db()
    assert run.status == "cancelled" and run.error == "Cancelled by finance while solving."


def test_a_cancel_the_solver_ignores_is_recorded_and_its_late_result_discarded(supply, demand, monkeypatch):
    run = services.solve_submit(actor=supply, problem=tiny())
    seen = {}

    def deaf(problem, **kw):
        services.solve_cancel(actor=demand, run=SolveRun.objects.get(pk=run.pk))
        deadline = time.time() + 5
        while time.time() < deadline and SolveRun.objects.get(pk=run.pk).status == "running":
            time.sleep(0.05)  # the solver ignores the interrupt and keeps going
        seen["status"] = SolveRun.objects.get(pk=run.pk).status
        return execution.__dict__["_real"](problem, **kw)

    monkeypatch.setitem(execution.__dict__, "_real", execution._engine_solve)
    monkeypatch.setattr(execution, "_engine_solve", deaf)
    assert execution.run_execute(run_id=run.pk) == "cancelled"
    assert seen["status"] == "cancelled"  # recorded while the solver was still running
    run.refresh_from_db()
    assert run.status == "cancelled" and "had not stopped" in run.error and run.plan is None
    assert not PlanFamilyPeriod.objects.filter(run=run).exists()


def test_progress_reported_from_an_engine_thread_is_written_by_the_monitor_thread(supply, monkeypatch, settings):
    settings.OPTIMIZER = {**FAST, "SUBPROCESS": False}
    run = services.solve_submit(actor=supply, problem=tiny())
    seen = {}

    def threaded(problem, *, progress, **kw):
        # an in-process engine reports branch-and-cut progress from its watcher thread
        reporter = threading.Thread(target=lambda: progress("branch and cut", 0.6))
        reporter.start()
        reporter.join()
        deadline = time.time() + 5
        while time.time() < deadline and SolveRun.objects.get(pk=run.pk).phase != "branch and cut":
            time.sleep(0.05)
        seen["row"] = SolveRun.objects.values_list("phase", "progress").get(pk=run.pk)
        return execution.__dict__["_real"](problem, progress=progress, **kw)

    monkeypatch.setitem(execution.__dict__, "_real", execution._engine_solve)
    monkeypatch.setattr(execution, "_engine_solve", threaded)
    assert execution.run_execute(run_id=run.pk) == "succeeded"
    assert seen["row"] == ("branch and cut", pytest.approx(0.6))
