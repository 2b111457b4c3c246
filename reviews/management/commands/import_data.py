"""python manage.py import_data KIND FILE [--cycle LABEL] [--dry-run] [--user NAME]

Runs inline through the same service as the page and the API; exits non-zero when the file
is rejected (every error listed with row, column, value and reason).
"""
from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cycles.choices import CycleStatus
from cycles.models import Cycle
from reviews.imports import files, kinds
from reviews.models import ImportSource, ImportStatus
from reviews.services import imports
from sop.errors import ApplicationError
from sop.roles import Role


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one kind: " + ", ".join(kinds.KINDS)

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(kinds.KINDS))
        parser.add_argument("file")
        parser.add_argument("--cycle", help="Cycle label (YYYY-MM) for cycle actuals.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and show what would change; store nothing.")
        parser.add_argument("--user", help="Import as this user (default: the first process owner).")
        parser.add_argument("--max-errors", type=int, default=50, help="How many errors to print.")

    def _actor(self, username: str | None):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"No user {username!r}.") from None
        actor = User.objects.filter(groups__name=Role.PROCESS_OWNER, is_active=True).order_by("id").first()
        if actor is None:
            raise CommandError("No process owner exists to import as; pass --user.")
        return actor

    def handle(self, *args, kind, file, cycle=None, dry_run=False, user=None, max_errors=50, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        cycle_obj = None
        if cycle:
            cycle_obj = (Cycle.objects.filter(label=cycle, status=CycleStatus.OPEN).first()
                         or Cycle.objects.filter(label=cycle).order_by("-id").first())
            if cycle_obj is None:
                raise CommandError(f"No cycle {cycle}.")
        try:
            batch = imports.import_data(
                actor=self._actor(user), kind=kind, source=files.Source(name=path.name, path=path),
                cycle=cycle_obj, dry_run=dry_run, origin=ImportSource.CLI, run_async=False,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Batch #{batch.pk} {batch.kind}: {batch.get_status_display()}. {batch.message}")
        if batch.scope:
            self.stdout.write(f"Scope: {batch.scope}")
        if batch.status == ImportStatus.REJECTED:
            for error in batch.errors[:max_errors]:
                where = f"row {error['row']}" if error["row"] else "file"
                column = f", column {error['column']}" if error["column"] else ""
                value = f", value {error['value']!r}" if error["value"] else ""
                self.stderr.write(f"  {where}{column}{value}: {error['reason']}")
            rest = batch.error_count - min(len(batch.errors), max_errors)
            if rest > 0:
                self.stderr.write(f"  ... and {rest} more errors.")
            raise CommandError(f"Rejected: {batch.error_count} errors; nothing was stored.", returncode=2)
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.message)
