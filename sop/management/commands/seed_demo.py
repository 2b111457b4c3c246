"""Loads the demo company: users per role, master data and history, an open cycle.

Idempotent: running it again resets the demo users' passwords and leaves data in place.
Each app contributes its part through an optional `<app>.demo.seed(stdout=...)` function,
called in the order of the data flow.
"""
from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand

from sop.demo import demo_token, seed_users
from sop.roles import role_label

SEED_MODULES = ["catalog.demo", "cycles.demo", "reviews.demo", "reviews.demand.demo", "optimizer.demo", "decisions.demo"]


class Command(BaseCommand):
    help = "Create the demo users (one per role) and the demo company; prints the logins."

    def add_arguments(self, parser):
        parser.add_argument("--users-only", action="store_true", help="Only create the demo users.")

    def handle(self, *args, users_only: bool = False, **options):
        logins = seed_users()
        if not users_only:
            for name in SEED_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name == name:
                        continue
                    raise
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo logins (username / password):"))
        for login in logins:
            roles = ", ".join(role_label(r) for r in login["roles"]) + (" + admin" if login["admin"] else "")
            self.stdout.write(f"  {login['username']:<8} / {login['password']:<14} {roles}")
        self.stdout.write(f"  API token of the integration account 'erp': {demo_token('erp')}")
