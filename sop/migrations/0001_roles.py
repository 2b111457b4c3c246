"""Creates the S&OP role groups. Each app's own migrations grant its model permissions."""
from django.db import migrations

ROLES = [
    "process_owner",
    "demand_planner",
    "sales",
    "supply_planner",
    "finance",
    "executive",
    "integration",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
