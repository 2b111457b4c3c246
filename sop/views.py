"""Platform views: the health check."""
from __future__ import annotations

from celery.exceptions import TimeoutError as CeleryTimeout
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from sop.celery import app as celery_app

WORKER_TIMEOUT_S = 4.0


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # report, never raise: this is a health check
        return f"database unavailable: {exc.__class__.__name__}: {exc}".strip()


def _check_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"broker unavailable: {exc.__class__.__name__}: {exc}".strip()


def _check_worker() -> str:
    """Sends the ping task (never eagerly) and waits for a live worker's answer."""
    try:
        result = celery_app.send_task("sop.ping", expires=WORKER_TIMEOUT_S * 3)
        answer = result.get(timeout=WORKER_TIMEOUT_S, interval=0.2)
        result.forget()
        return "ok" if answer == "pong" else f"worker answered {answer!r} instead of 'pong'"
    except CeleryTimeout:
        return f"no worker answered a ping within {WORKER_TIMEOUT_S:g} s (is a Celery worker running?)"
    except Exception as exc:
        return f"worker check failed: {exc.__class__.__name__}: {exc}".strip()


@never_cache
def healthz(request):
    """{"database": ..., "broker": ..., "worker": ...}: each "ok" or the problem in words."""
    report = {"database": _check_database(), "broker": _check_broker()}
    if report["broker"] != "ok":
        report["worker"] = "not checked: the broker is unavailable"
    elif report["database"] != "ok":
        report["worker"] = "not checked: results are stored in the database, which is unavailable"
    else:
        report["worker"] = _check_worker()
    healthy = all(v == "ok" for v in report.values())
    return JsonResponse(report, status=200 if healthy else 503)
