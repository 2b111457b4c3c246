"""The worker's side of a solve: claim, solve with progress and a heartbeat, store, reap.

Reliability (see docs/solves.md):

- the database row is the system of record; the page reads it, never Celery's state;
- a delivery claims the run with a conditional UPDATE (queued, or running with a stale
  heartbeat, and attempts under the cap) that also writes a fresh ``worker_token``; a
  duplicate delivery finds nothing to claim and exits;
- every later write of the worker is conditional on (running, its token): a worker that lost
  the run (reaped, re-claimed) can write nothing, not even its results;
- the solver's time limit sits under Celery's soft limit (``conf.effective_time_limit``);
- the results (run row, plan document, plan rows, history row) are written in one
  transaction: a failure part-way leaves nothing half-written, and the run is failed with
  the reason;
- the reaper re-queues runs whose heartbeat went stale while attempts remain, and fails
  them with the reason when the cap is reached (or cancels them if a cancel was asked).
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from optimizer import conf, planmath
from optimizer.choices import RunStatus
from optimizer.engine import ProblemError, SolveCancelled
from optimizer.models import (
    PlanComponentPeriod,
    PlanFamilyChannelPeriod,
    PlanFamilyPeriod,
    PlanResourcePeriod,
    SolveRun,
)

log = logging.getLogger(__name__)


class LostClaim(Exception):
    """The run is no longer this worker's (reaped, cancelled before start, claimed again)."""


def _engine_solve(problem: dict, **kwargs) -> dict:
    """The engine call (a seam the tests replace to simulate slow or failing solves).

    By default the engine runs in a child process (``optimizer.engine.runner``) that is
    killed when ``should_stop()`` turns true (a cancel, a lost claim) or when the task is
    interrupted (Celery's soft time limit): HiGHS cannot be interrupted inside a solve, so
    this is what makes a cancel stop the solver within about a second and free the worker
    slot. ``SOLVE_IN_SUBPROCESS=0`` runs it in the worker's process instead (a cancel then
    waits for the running LP/MIP to return, see ``CANCEL_GRACE``)."""
    if conf.get("SUBPROCESS"):
        from optimizer.engine.runner import solve_in_subprocess

        return solve_in_subprocess(problem, poll=conf.get("SUBPROCESS_POLL_EVERY"), **kwargs)
    from optimizer.engine import solve

    return solve(problem, **kwargs)


def _record(run: SolveRun, verb: str, *, before=None, after=None, comment: str = "") -> None:
    from optimizer.services import _record as record

    record(actor=None, verb=verb, run=run, before=before, after=after, comment=comment)


# --- claim ---------------------------------------------------------------------------------------

def _claimable(now) -> Q:
    stale = now - timedelta(seconds=conf.get("STALE_AFTER"))
    return Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale)


def run_claim(*, run_id: int, token: str) -> SolveRun | None:
    """Claims the run for this delivery, or returns None (someone else has it, it is finished,
    or the attempts are used up: then it is failed with the reason)."""
    now = timezone.now()
    base = SolveRun.objects.filter(_claimable(now), pk=run_id, cancel_requested=False)
    with transaction.atomic():
        claimed = base.filter(attempts__lt=F("max_attempts")).update(
            status=RunStatus.RUNNING, attempts=F("attempts") + 1, worker_token=token, heartbeat_at=now,
            started_at=now, finished_at=None, progress=0.0, phase="claimed",
        )
        if claimed:
            run = SolveRun.objects.select_related("cycle", "cancelled_by").get(pk=run_id)
            _record(run, "solve.started", after={"attempt": run.attempts, "status": run.status})
    if claimed:
        return run
    with transaction.atomic():
        capped = list(base.filter(attempts__gte=F("max_attempts")).select_for_update())
        for run in capped:
            _fail_for_good(run, now, reason="the worker was lost")
        cancelled = SolveRun.objects.filter(_claimable(now), pk=run_id, cancel_requested=True)
        for run in cancelled.select_for_update():
            _cancel_lost(run, now)
    return None


def _fail_for_good(run: SolveRun, now, *, reason: str) -> None:
    previous = {"status": run.status, "attempts": run.attempts}
    error = f"Gave up after {run.attempts} attempt(s): {reason} each time (last heartbeat {run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)." \
        if run.heartbeat_at else f"Gave up after {run.attempts} attempt(s): {reason}."
    if SolveRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts).update(
        status=RunStatus.FAILED, finished_at=now, error=error, worker_token="", phase="failed",
    ):
        run.status, run.error = RunStatus.FAILED, error
        _record(run, "solve.failed", before=previous, after={"status": run.status, "error": error})


def _cancel_lost(run: SolveRun, now) -> None:
    who = run.cancelled_by.get_username() if run.cancelled_by_id else "a user"
    error = f"Cancelled by {who}; the worker stopped before it could confirm."
    if SolveRun.objects.filter(pk=run.pk, status=run.status).update(
        status=RunStatus.CANCELLED, finished_at=now, error=error, worker_token="", phase="cancelled",
    ):
        run.status, run.error = RunStatus.CANCELLED, error
        _record(run, "solve.cancelled", after={"status": run.status, "error": error})


# --- progress, heartbeat, cancel ---------------------------------------------------------------

class Monitor:
    """The engine's ``progress`` and ``should_stop`` callbacks, backed by the run row, and a
    heartbeat thread.

    - ``progress(phase, fraction)`` (the worker's thread: the solver process's progress relayed,
      or an in-process engine's) writes progress and phase, throttled to ``PROGRESS_EVERY``
      (always on a phase change), conditional on (running, token); called from another thread
      (an in-process engine's watcher during a native solve) it only records the value, which
      the monitor thread writes;
    - ``should_stop()`` is cheap: it returns flags. Called from the worker's own thread (the
      solver-process runner polls it every ``SUBPROCESS_POLL_EVERY`` and kills the solver when
      it turns true; an in-process engine checks it between phases) it also reads the row when
      a poll is due; the engine's watcher threads (during native solves) never touch the
      database;
    - the monitor thread, while the solve runs, reads the row every ``CANCEL_POLL_EVERY``
      (cancel asked? still ours?), writes the heartbeat every ``HEARTBEAT_EVERY`` whatever the
      engine is doing, and when a cancel is not honoured within ``CANCEL_GRACE`` seconds (only
      possible in-process, ``SOLVE_IN_SUBPROCESS=0``: a native solve that ignores the
      interrupt) records the run as cancelled itself: the engine's late result is then fenced
      off. Its one database connection is closed when it stops.
    """

    def __init__(self, run_id: int, token: str):
        self.run_id = run_id
        self.token = token
        self.home = threading.get_ident()
        self.lock = threading.Lock()
        self.progress_value = 0.0
        self.phase = ""
        self.dirty = False
        self.last_write = 0.0
        self.last_poll = 0.0
        self.cancelled = False
        self.cancel_seen = 0.0
        self.cancelled_here = False
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _mine(self):
        return SolveRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING, worker_token=self.token)

    # engine callbacks ---------------------------------------------------------------------------
    def progress(self, phase: str, fraction: float) -> None:
        with self.lock:
            fraction = min(1.0, max(self.progress_value, float(fraction)))
            changed = phase != self.phase
            self.progress_value, self.phase = fraction, phase
            self.dirty = True
            if threading.get_ident() != self.home:
                return  # an engine thread (in-process solves): the monitor thread writes it
            now = time.monotonic()
            if not changed and now - self.last_write < conf.get("PROGRESS_EVERY"):
                return
        self._write_progress()

    def _write_progress(self) -> None:
        with self.lock:
            fraction, phase = self.progress_value, self.phase
            self.last_write, self.dirty = time.monotonic(), False
        if not self._mine().update(progress=fraction, phase=phase[:60], heartbeat_at=timezone.now()):
            self.lost = True

    def should_stop(self) -> bool:
        if not (self.lost or self.cancelled) and threading.get_ident() == self.home:
            self.poll()
        return self.cancelled or self.lost

    # the row ------------------------------------------------------------------------------------
    def poll(self, *, force: bool = False) -> None:
        """Reads (status, token, cancel) from the row when a poll is due."""
        now = time.monotonic()
        with self.lock:
            if not force and now - self.last_poll < conf.get("CANCEL_POLL_EVERY"):
                return
            self.last_poll = now
        row = SolveRun.objects.filter(pk=self.run_id).values_list("status", "worker_token", "cancel_requested").first()
        if row is None:
            return  # not visible from this connection (a test's open transaction): no reason to stop
        status, token, cancel = row
        if status != RunStatus.RUNNING or token != self.token:
            self.lost = True
        elif cancel and not self.cancelled:
            self.cancelled, self.cancel_seen = True, now

    def beat(self) -> None:
        with self.lock:
            now = time.monotonic()
            if now - self.last_write < conf.get("HEARTBEAT_EVERY"):
                return
            self.last_write = now
        if not self._mine().update(heartbeat_at=timezone.now()):
            self.poll(force=True)  # reaped or claimed elsewhere? (or invisible: then nothing)

    def _give_up_waiting(self) -> None:
        """A cancel the engine has not honoured within the grace period: record it now."""
        run = SolveRun.objects.select_related("cycle", "cancelled_by").filter(pk=self.run_id).first()
        if run is None:
            return
        who = run.cancelled_by.get_username() if run.cancelled_by_id else "a user"
        grace = conf.get("CANCEL_GRACE")
        if _finish(run, self.token, RunStatus.CANCELLED,
                   f"Cancelled by {who}; the solver had not stopped {grace:g} s later, its result is discarded."):
            self.cancelled_here = True
            self.lost = True

    def _watch(self) -> None:
        tick = min(conf.get("CANCEL_POLL_EVERY"), conf.get("HEARTBEAT_EVERY"), 1.0)
        try:
            while not self._stop.wait(tick):
                try:
                    self.poll()
                    if self.lost:
                        return
                    if self.dirty and time.monotonic() - self.last_write >= conf.get("PROGRESS_EVERY"):
                        self._write_progress()  # reported from an engine thread
                    self.beat()
                    if self.cancelled and time.monotonic() - self.cancel_seen >= conf.get("CANCEL_GRACE"):
                        self._give_up_waiting()
                        return
                except Exception:  # the monitor must never take the solve down
                    log.exception("solve run %s: monitor", self.run_id)
        finally:
            connections.close_all()

    def start(self) -> Monitor:
        self._thread = threading.Thread(target=self._watch, name=f"solve-monitor-{self.run_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


# --- finish ------------------------------------------------------------------------------------

def _finish(run: SolveRun, token: str, status: str, error: str, **fields: Any) -> bool:
    """Moves the run from running (with this token) to a final state with the reason."""
    now = timezone.now()
    with transaction.atomic():
        done = SolveRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, worker_token=token).update(
            status=status, finished_at=now, heartbeat_at=now, error=error[:5000], phase=status, **fields,
        )
        if done:
            run.status, run.error = status, error
            verb = "solve.cancelled" if status == RunStatus.CANCELLED else "solve.failed"
            _record(run, verb, before={"status": RunStatus.RUNNING}, after={"status": status, "error": error[:500]})
    return bool(done)


def _stats(plan: dict[str, Any]) -> dict[str, Any]:
    solver = dict(plan.get("solver") or {})
    stats = {"solver": solver, "timings": plan.get("timings") or {}, "status": plan.get("status")}
    if plan.get("warnings"):
        stats["warnings"] = plan["warnings"]
    return stats


def _rows(run: SolveRun, rows: dict[str, list[dict]]) -> None:
    def make(model, items):
        model.objects.bulk_create([model(run_id=run.pk, **item) for item in items], batch_size=2000)

    make(PlanFamilyPeriod, rows["families"])
    make(PlanFamilyChannelPeriod, rows["family_channels"])
    make(PlanResourcePeriod, rows["resources"])
    make(PlanComponentPeriod, rows["components"])


def run_store(*, run: SolveRun, token: str, plan: dict[str, Any]) -> None:
    """The run's success: row, plan document, plan rows and history in one transaction."""
    rows = planmath.plan_rows(run.problem, plan)
    kpis = planmath.kpis(run.problem, plan)
    now = timezone.now()
    with transaction.atomic():
        done = SolveRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, worker_token=token).update(
            status=RunStatus.SUCCEEDED, progress=1.0, phase="done", finished_at=now, heartbeat_at=now,
            plan=plan, plan_status=plan.get("status") or "", kpis=kpis, comparison=plan.get("comparison"),
            stats={**(run.stats or {}), **_stats(plan)}, error="",
        )
        if not done:
            raise LostClaim()
        _rows(run, rows)
        run.status = RunStatus.SUCCEEDED
        _record(run, "solve.succeeded", before={"status": RunStatus.RUNNING},
                after={"status": run.status, "plan_status": plan.get("status"), "profit": kpis.get("profit"),
                       "value_vs_sequential": kpis.get("value")})


# --- the job -----------------------------------------------------------------------------------

def run_execute(*, run_id: int) -> str:
    """What the Celery task does: claim, solve, store. Never raises for a solve's own failure:
    the run row says what happened. Returns the outcome in a word (for logs and tests)."""
    token = uuid.uuid4().hex
    run = run_claim(run_id=run_id, token=token)
    if run is None:
        log.info("solve run %s: nothing to claim (finished, running elsewhere or capped)", run_id)
        return "skipped"
    monitor = Monitor(run.pk, token).start()
    try:
        return _execute(run, token, monitor)
    finally:
        monitor.stop()


def _execute(run: SolveRun, token: str, monitor: Monitor) -> str:
    run_id = run.pk
    options = run.options or {}
    try:
        plan = _engine_solve(
            run.problem,
            time_limit=conf.effective_time_limit(options.get("time_limit")),
            gap=options.get("gap", 1e-4),
            baseline=options.get("baseline", True),
            threads=conf.get("THREADS"),
            progress=monitor.progress,
            should_stop=monitor.should_stop,
        )
    except SolveCancelled:
        if monitor.cancelled_here:
            return "cancelled"
        if monitor.lost:
            return "lost"
        run.refresh_from_db(fields=["cancelled_by"])
        who = run.cancelled_by.get_username() if run.cancelled_by_id else "a user"
        _finish(run, token, RunStatus.CANCELLED, f"Cancelled by {who} while solving.")
        return "cancelled"
    except SoftTimeLimitExceeded:
        _finish(run, token, RunStatus.FAILED,
                f"Stopped at Celery's soft time limit ({conf.soft_time_limit()} s) before the solver returned.")
        return "failed"
    except ProblemError as exc:
        _finish(run, token, RunStatus.FAILED, f"Invalid problem document: {exc}")
        return "failed"
    except Exception as exc:
        log.exception("solve run %s failed", run_id)
        _finish(run, token, RunStatus.FAILED, f"The solve failed: {type(exc).__name__}: {exc}",
                stats={**(run.stats or {}), "traceback": traceback.format_exc()[-4000:]})
        return "failed"
    if monitor.lost:
        return "cancelled" if monitor.cancelled_here else "lost"
    if plan.get("status") == "error":
        message = plan.get("message") or "the solver returned no plan"
        _finish(run, token, RunStatus.FAILED, f"The solver failed: {message}", plan=plan, plan_status="error",
                stats={**(run.stats or {}), **_stats(plan)})
        return "failed"
    try:
        run_store(run=run, token=token, plan=plan)
    except LostClaim:
        return "cancelled" if monitor.cancelled_here else "lost"
    except SoftTimeLimitExceeded:
        _finish(run, token, RunStatus.FAILED, "Stopped at Celery's soft time limit while storing the plan.")
        return "failed"
    except Exception as exc:
        log.exception("solve run %s: storing the plan failed", run_id)
        _finish(run, token, RunStatus.FAILED, f"Storing the plan failed (nothing was kept): {type(exc).__name__}: {exc}")
        return "failed"
    return "succeeded"


# --- the reaper --------------------------------------------------------------------------------

def runs_reap(*, now=None) -> dict[str, list[int]]:
    """Runs whose worker stopped beating: re-queued while attempts remain, else failed (or
    cancelled when a cancel was asked). Runs from Celery beat every minute."""
    from optimizer.services import enqueue_on_commit

    now = now or timezone.now()
    stale = now - timedelta(seconds=conf.get("STALE_AFTER"))
    out: dict[str, list[int]] = {"requeued": [], "failed": [], "cancelled": []}
    candidates = list(SolveRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=stale)
                      .select_related("cycle", "cancelled_by").order_by("pk"))
    for run in candidates:
        with transaction.atomic():
            if run.cancel_requested:
                _cancel_lost(run, now)
                out["cancelled"].append(run.pk)
            elif run.attempts >= run.max_attempts:
                _fail_for_good(run, now, reason="the worker stopped responding")
                out["failed"].append(run.pk)
            else:
                last = f"{run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
                run.task_id = str(uuid.uuid4())
                if SolveRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, worker_token=run.worker_token,
                                           heartbeat_at=run.heartbeat_at).update(
                    status=RunStatus.QUEUED, worker_token="", phase="re-queued", task_id=run.task_id,
                    error=f"Attempt {run.attempts} lost: no heartbeat since {last}; re-queued.",
                ):
                    _record(run, "solve.requeued", before={"status": RunStatus.RUNNING, "attempts": run.attempts},
                            after={"status": RunStatus.QUEUED}, comment=f"no heartbeat since {last}")
                    enqueue_on_commit(run)
                    out["requeued"].append(run.pk)
    return out
