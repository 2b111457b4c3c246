"""Model permissions of the cycle objects for the role groups (the admin reads them).

Workflow moves are decided by the rules predicates in cycles/permissions.py, not by these.
"""
from django.db import migrations

from sop.grants import grant_model_permissions

VIEW = ["view_cycle", "view_step", "view_signoff", "view_event"]


def grant(apps, schema_editor):
    grant_model_permissions(
        apps,
        "cycles",
        {role: VIEW for role in ["process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive", "integration"]},
    )


class Migration(migrations.Migration):
    dependencies = [("cycles", "0002_history_append_only"), ("sop", "0001_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
