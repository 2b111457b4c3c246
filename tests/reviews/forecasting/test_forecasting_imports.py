"""The web process must not pay statsforecast's import: the engine imports it lazily."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_engine_does_not_import_statsforecast_or_django():
    code = ("import sys, reviews.forecasting, reviews.forecasting.cli, reviews.forecasting.metrics, "
            "reviews.forecasting.safety_stock; "
            "print('statsforecast' in sys.modules, 'django' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
