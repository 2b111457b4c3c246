"""The S&OP roles. Each is a Django group of the same name (created by sop's migration)."""
from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PROCESS_OWNER = "process_owner", "Process owner"
    DEMAND_PLANNER = "demand_planner", "Demand planner"
    SALES = "sales", "Sales"
    SUPPLY_PLANNER = "supply_planner", "Supply planner"
    FINANCE = "finance", "Finance"
    EXECUTIVE = "executive", "Executive sponsor"
    INTEGRATION = "integration", "Integration (ERP, API only)"


ROLE_NAMES: frozenset[str] = frozenset(Role.values)
#: Roles that use the web pages. `integration` is an API-only service account.
PAGE_ROLES: frozenset[str] = ROLE_NAMES - {Role.INTEGRATION}


def user_roles(user) -> frozenset[str]:
    """The S&OP roles a user holds, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_sop_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
        user._sop_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in user_roles(user)


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role
