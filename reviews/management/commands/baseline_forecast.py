"""manage.py baseline_forecast HISTORY.csv --horizon H --out FORECAST.csv

The same as ``python -m reviews.forecasting``; needs no database.
"""

from django.core.management.base import BaseCommand, CommandError

from reviews.forecasting.cli import CliError, add_arguments, execute


class Command(BaseCommand):
    help = "Statistical baseline forecast from a history CSV (series,period,quantity) to a forecast CSV."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, **options):
        import argparse

        fields = ("history", "horizon", "out", "level", "season_length", "jobs", "candidates", "negative",
                  "diagnostics", "backtest", "progress")
        namespace = argparse.Namespace(**{k: options[k] for k in fields})
        try:
            execute(namespace, stdout=self.stdout, stderr=self.stderr)
        except CliError as exc:
            raise CommandError(str(exc), returncode=exc.code) from None
