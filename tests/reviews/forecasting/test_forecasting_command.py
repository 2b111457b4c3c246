"""manage.py baseline_forecast: the same CLI, no database (run in a subprocess with bare settings)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"

SCRIPT = """
import os, sys
import django
from django.conf import settings
if os.path.exists(os.path.join("sop", "settings.py")):  # the merged project: its own settings
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop.settings")
else:  # this branch alone: bare settings, no database
    settings.configure(INSTALLED_APPS=["reviews"], DATABASES={})
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
try:
    call_command("baseline_forecast", *sys.argv[1:])
except CommandError as exc:
    print("CommandError", exc.returncode, exc, file=sys.stderr)
    sys.exit(exc.returncode)
"""


def run(*args):
    return subprocess.run([sys.executable, "-c", SCRIPT, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_command_writes_the_forecast_without_a_database(tmp_path):
    target = tmp_path / "f.csv"
    proc = run(FIXTURES / "negative.csv", "--horizon", "3", "--out", target, "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert target.read_text().splitlines()[0] == "series,period,quantity,lo80,hi80,model"


def test_command_reports_bad_input_with_exit_code_2(tmp_path):
    target = tmp_path / "f.csv"
    proc = run(FIXTURES / "bad_quantity.csv", "--out", target)
    assert proc.returncode == 2
    assert "line 3: column 'quantity': 'abc' is not a number" in proc.stderr
    assert not target.exists()
