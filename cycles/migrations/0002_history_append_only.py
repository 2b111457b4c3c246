"""The history refuses UPDATE and DELETE in the database itself (SQLite and PostgreSQL)."""
from django.db import migrations

from sop.dbguards import migration_operations


class Migration(migrations.Migration):
    dependencies = [("cycles", "0001_initial")]
    operations = [migration_operations("cycles_event", message="the history is append-only")]
