"""The engine runs in a child process the worker kills: a cancel of a long solve ends the run
`cancelled` within seconds with the solver process gone, Celery's soft time limit kills it too,
and a solver process that dies fails the run with the reason. Real threads, a real solver
process, committed rows (transactional database)."""
import functools
import os
import signal
import threading
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connections

from bench.optimizer.generate import generate_size
from optimizer import execution, services
from optimizer.engine import runner
from optimizer.models import PlanFamilyPeriod, SolveRun

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {"HEARTBEAT_EVERY": 0.2, "CANCEL_POLL_EVERY": 0.1, "PROGRESS_EVERY": 0.1, "CANCEL_GRACE": 60,
        "SUBPROCESS_POLL_EVERY": 0.1}


@pytest.fixture(autouse=True)
def fast_monitor(settings, monkeypatch):
    settings.OPTIMIZER = FAST
    monkeypatch.setattr(services, "_enqueue", lambda run_id, task_id: None)


@pytest.fixture
def children(monkeypatch):
    """The pids of the solver processes the worker starts."""
    pids = []
    real = runner.solve_in_subprocess

    def spy(problem, **kw):
        return real(problem, on_start=lambda proc: pids.append(proc.pid), **kw)

    monkeypatch.setattr(runner, "solve_in_subprocess", spy)
    return pids


@functools.cache
def long_problem():
    """The L benchmark LP: its one native solve takes 30-60 s on 2 cores, far longer than a test
    waits, and HiGHS does not interrupt it."""
    return generate_size("L")


def wait_for_native_solve(run, children, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline and SolveRun.objects.get(pk=run.pk).phase != "lp":
        time.sleep(0.05)
    assert children and SolveRun.objects.get(pk=run.pk).phase == "lp", "the solver never reached its LP"
    time.sleep(1.0)  # well inside the native LP solve


def in_thread(fn):
    out = {}

    def target():
        try:
            out["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


def test_cancelling_a_long_solve_ends_the_run_within_seconds_with_the_solver_gone(supply, finance, children):
    run = services.solve_submit(actor=supply, problem=long_problem(), baseline=False)
    worker, out = in_thread(lambda: execution.run_execute(run_id=run.pk))
    wait_for_native_solve(run, children)
    (pid,) = children
    asked = time.monotonic()
    services.solve_cancel(actor=finance, run=SolveRun.objects.get(pk=run.pk))
    worker.join(timeout=30)
    took = time.monotonic() - asked
    print(f"cancel -> run cancelled in {took:.2f} s")  # shown with -s
    assert out.get("result") == "cancelled", out
    assert took < 5, f"the run took {took:.1f} s to end after the cancel"
    assert runner.wait_gone(pid, timeout=1), "the solver process is still there"
    run.refresh_from_db()
    assert run.status == "cancelled" and run.error == "Cancelled by finance while solving."
    assert run.plan is None and not PlanFamilyPeriod.objects.filter(run=run).exists()


def test_the_soft_time_limit_kills_the_solver_process(supply, children):
    run = services.solve_submit(actor=supply, problem=long_problem(), baseline=False)

    def soft_limit(signum, frame):  # what Celery's prefork pool does at the soft time limit
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGUSR1, soft_limit)
    try:
        def fire():
            wait_for_native_solve(run, children)
            os.kill(os.getpid(), signal.SIGUSR1)
            connections.close_all()

        timer = threading.Thread(target=fire)
        timer.start()
        started = time.monotonic()
        assert execution.run_execute(run_id=run.pk) == "failed"
        timer.join()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert time.monotonic() - started < 60
    assert runner.wait_gone(children[0], timeout=1), "the solver process is still there"
    run.refresh_from_db()
    assert run.status == "failed" and "soft time limit" in run.error


def test_a_solver_process_that_dies_fails_the_run_with_the_reason(supply, children):
    run = services.solve_submit(actor=supply, problem=long_problem(), baseline=False)

    def oom_killer():
        wait_for_native_solve(run, children)
        os.kill(children[0], signal.SIGKILL)
        connections.close_all()

    killer = threading.Thread(target=oom_killer)
    killer.start()
    assert execution.run_execute(run_id=run.pk) == "failed"
    killer.join()
    run.refresh_from_db()
    assert run.status == "failed"
    assert "the solver process was killed by SIGKILL (out of memory?)" in run.error


def test_progress_streams_from_the_solver_process_into_the_run_row(supply, children):
    run = services.solve_submit(actor=supply, problem=generate_size("S", mip=True), baseline=True)
    seen = []
    real_progress = execution.Monitor.progress

    def spy(self, phase, fraction):
        seen.append((phase, fraction))
        real_progress(self, phase, fraction)

    execution.Monitor.progress = spy
    try:
        assert execution.run_execute(run_id=run.pk) == "succeeded"
    finally:
        execution.Monitor.progress = real_progress
    phases = [p for p, _ in seen]
    assert phases[0] == "validate" and phases[-1] == "done"
    assert {"relaxation", "heuristic", "evaluate", "explain"} <= set(phases)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert runner.wait_gone(children[0], timeout=1)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.progress == 1 and run.plan_status == "optimal"
