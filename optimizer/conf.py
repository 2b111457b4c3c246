"""The optimizer's knobs: environment variables with defaults, read when used (tests override
them with ``settings.OPTIMIZER = {...}``)."""
from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    # Seconds kept free under Celery's soft time limit for building, storing and reporting.
    "TIME_LIMIT_MARGIN": int(os.environ.get("SOLVE_TIME_LIMIT_MARGIN", "300")),
    # A running run whose heartbeat is older than this is taken as lost (re-queued or failed).
    "STALE_AFTER": int(os.environ.get("SOLVE_STALE_AFTER", "300")),
    # Deliveries that may claim a run before it is failed for good.
    "MAX_ATTEMPTS": int(os.environ.get("SOLVE_MAX_ATTEMPTS", "3")),
    # Problem documents larger than this (bytes of JSON) are refused.
    "MAX_PROBLEM_BYTES": int(os.environ.get("SOLVE_MAX_PROBLEM_BYTES", str(25 * 1024 * 1024))),
    # The worker writes progress at most this often (seconds), a heartbeat at least this often.
    "PROGRESS_EVERY": float(os.environ.get("SOLVE_PROGRESS_EVERY", "1.0")),
    "HEARTBEAT_EVERY": float(os.environ.get("SOLVE_HEARTBEAT_EVERY", "5.0")),
    # How often the solver's should_stop() reads the cancel flag from the run row (seconds).
    "CANCEL_POLL_EVERY": float(os.environ.get("SOLVE_CANCEL_POLL_EVERY", "1.0")),
    # Seconds a running solve gets to honour a cancel before the run is recorded as cancelled
    # anyway (its result is then discarded); a native solve may ignore the interrupt.
    "CANCEL_GRACE": float(os.environ.get("SOLVE_CANCEL_GRACE", "10")),
    # Run the engine in a child process that a cancel or the soft time limit kills at once
    # (HiGHS ignores interrupts inside a solve); 0 runs it in the worker's own process.
    "SUBPROCESS": os.environ.get("SOLVE_IN_SUBPROCESS", "1").lower() not in ("0", "false", "no", ""),
    # How often the worker reads the child's progress and checks for a cancel (seconds).
    "SUBPROCESS_POLL_EVERY": float(os.environ.get("SOLVE_SUBPROCESS_POLL_EVERY", "0.2")),
    # Threads the engine may use (None: the solver's default).
    "THREADS": int(os.environ["SOLVE_THREADS"]) if os.environ.get("SOLVE_THREADS") else None,
}


def get(name: str):
    return {**DEFAULTS, **getattr(settings, "OPTIMIZER", {})}[name]


def soft_time_limit() -> int:
    return int(getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", 3300))


def max_solver_seconds() -> float:
    """The longest time limit the engine may get: under Celery's soft limit by the margin."""
    return float(max(1, soft_time_limit() - get("TIME_LIMIT_MARGIN")))


def effective_time_limit(requested: float | None) -> float:
    cap = max_solver_seconds()
    return cap if requested is None else min(float(requested), cap)
