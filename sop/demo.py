"""Demo users: one per role, plus a process owner who is also the site admin."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from sop.roles import Role

#: username, roles, first name, is admin. Passwords are "<username>-demo" (printed by seed_demo).
DEMO_USERS: list[tuple[str, tuple[str, ...], str, bool]] = [
    ("owner", (Role.PROCESS_OWNER,), "Olivia (process owner)", False),
    ("demand", (Role.DEMAND_PLANNER,), "Dana (demand planner)", False),
    ("sales", (Role.SALES,), "Sam (sales)", False),
    ("supply", (Role.SUPPLY_PLANNER,), "Sean (supply planner)", False),
    ("finance", (Role.FINANCE,), "Fiona (finance)", False),
    ("exec", (Role.EXECUTIVE,), "Erin (executive sponsor)", False),
    ("erp", (Role.INTEGRATION,), "ERP service account", False),
    ("admin", (Role.PROCESS_OWNER,), "Ada (process owner, admin)", True),
]


def demo_password(username: str) -> str:
    return f"{username}-demo"


@transaction.atomic
def seed_users() -> list[dict]:
    """Creates (or resets) the demo users; returns their logins."""
    User = get_user_model()
    out = []
    for username, roles, first_name, is_admin in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
        user.first_name = first_name
        user.email = f"{username}@demo.example"
        user.is_staff = is_admin
        user.is_superuser = is_admin
        user.set_password(demo_password(username))
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        out.append({"username": username, "password": demo_password(username), "roles": roles, "admin": is_admin})
    return out


def demo_token(username: str = "erp") -> str:
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return token.key
