"""The Celery application: JSON only, late acks, work lost with a dead worker is redelivered.

Time limits: a task's own work (a solver's time limit, say) stays under the soft limit, which
stays under the hard limit; see settings CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop.settings")

app = Celery("sop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="sop.ping", ignore_result=False, acks_late=False)
def ping() -> str:
    """Answers 'pong': the health check sends it to prove a live worker consumes the queue."""
    return "pong"
