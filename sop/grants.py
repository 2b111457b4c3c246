"""Used by data migrations to grant an app's model permissions to role groups."""
from __future__ import annotations


def grant_model_permissions(apps, app_label: str, grants: dict[str, list[str]]) -> None:
    """grants: {role: ["view_family", "change_family", ...]} for models of `app_label`.

    Creates the app's permissions first (Django only does that after migrate otherwise).
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config(app_label), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.add(*perms)
