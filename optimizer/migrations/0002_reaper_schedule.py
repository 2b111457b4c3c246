"""Celery beat runs the reaper every minute (django-celery-beat's database scheduler, which the
embedded `make run` worker (-B) and the compose `beat` service both use)."""
from django.db import migrations

TASK = "optimizer.reap_stale_runs"
NAME = "optimizer: reap stale solve runs"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=NAME, defaults={"task": TASK, "interval": every, "enabled": True,
                             "description": "Re-queues or fails solve runs whose heartbeat went stale."},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("optimizer", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
