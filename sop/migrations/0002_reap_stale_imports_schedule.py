"""Celery beat runs the import reaper every minute (django-celery-beat's database scheduler,
used by the embedded `make run` worker (-B) and by the compose `beat` service)."""
from django.db import migrations

TASK = "reviews.reap_stale_imports"
NAME = "reviews: reap stale import batches"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={"task": TASK, "interval": every, "enabled": True,
                  "description": "Re-queues or fails import batches whose worker died."},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("sop", "0001_roles"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(forwards, backwards)]
