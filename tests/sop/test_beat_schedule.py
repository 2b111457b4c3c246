from django_celery_beat.models import PeriodicTask

from sop.celery import app


def test_the_reapers_are_scheduled_every_minute_and_exist(db):
    app.loader.import_default_modules()
    for task in ("reviews.reap_stale_imports", "optimizer.reap_stale_runs"):
        row = PeriodicTask.objects.get(task=task)
        assert row.enabled and row.interval.every == 60 and row.interval.period == "seconds"
        assert task in app.tasks
