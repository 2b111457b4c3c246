"""``python manage.py solve PROBLEM.json --out PLAN.json [--baseline] [--time-limit S] [--gap G]``.

A thin wrapper over :func:`optimizer.engine.cli.run`: no database access, so
it runs without migrations or a configured database. Exit codes as the engine
CLI: 0 plan written, 1 solver error (plan with status ``error`` written), 2
invalid file/JSON/document (one line naming the field path and reason).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from optimizer.engine import cli


class Command(BaseCommand):
    help = "Solve a problem document (sop-problem/1) and write the plan document (sop-plan/1)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        code = cli.run(
            options["problem"],
            out=options["out"],
            baseline=options["baseline"],
            time_limit=options["time_limit"],
            gap=options["gap"],
            method=options["method"],
            threads=options["threads"],
            indent=options["indent"],
            quiet=options["quiet"],
            stdout=sys.stdout,
            stderr=sys.stderr,
            stats=options.get("stats"),
            progress=options.get("progress"),
            parent_pid=options.get("parent_pid"),
        )
        if code != cli.EXIT_OK:
            sys.exit(code)
