"""The CLI on fixture files: exact output format; bad input -> one clear line, exit 2, nothing written."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reviews.forecasting.cli import main, tidy

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[3]
MODELS = {"seasonal_naive", "naive", "ses", "theta", "dotm", "ets", "arima", "combo", "croston_sba", "tsb",
          "imapa", "adida", "mean", "zero"}


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    target = tmp_path_factory.mktemp("cli") / "forecast.csv"
    code, _, err = run(FIXTURES / "history.csv", "--horizon", 24, "--out", target, "--jobs", 1)
    assert code == 0, err
    return target, err


def test_output_has_the_exact_columns_and_one_row_per_series_month(forecast):
    target, _ = forecast
    text = target.read_text()
    assert text.splitlines()[0] == "series,period,quantity,lo80,hi80,model"
    df = pd.read_csv(target, dtype={"series": str, "period": str})
    assert list(df["series"].unique()) == ["ALPHA", "BETA", "GAMMA", "DELTA", "ZERO", "RETURNS"]
    assert df.groupby("series").size().eq(24).all()
    assert set(df["model"]) <= MODELS
    assert df["period"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert (df[["quantity", "lo80", "hi80"]] >= 0).all().all()
    assert ((df["lo80"] <= df["quantity"]) & (df["quantity"] <= df["hi80"])).all()


def test_periods_continue_monthly_from_each_series_last_month(forecast):
    df = pd.read_csv(forecast[0], dtype=str)
    first = df.groupby("series", sort=False)["period"].first().to_dict()
    last = df.groupby("series", sort=False)["period"].last().to_dict()
    assert first == {"ALPHA": "2025-01", "BETA": "2024-10", "GAMMA": "2025-01", "DELTA": "2024-05",
                     "ZERO": "2025-01", "RETURNS": "2024-10"}
    assert last["ALPHA"] == "2026-12" and last["DELTA"] == "2026-04"


def test_known_values_for_zero_and_short_series(forecast):
    df = pd.read_csv(forecast[0], dtype={"series": str})
    zero = df[df.series == "ZERO"]
    assert (zero[["quantity", "lo80", "hi80"]] == 0).all().all() and zero["model"].eq("zero").all()
    gamma = df[df.series == "GAMMA"]
    assert gamma["quantity"].eq(15.0).all() and gamma["model"].eq("mean").all()
    assert df[df.series == "BETA"]["model"].isin({"croston_sba", "tsb", "imapa", "adida", "mean"}).all()


def test_negative_quantities_warn_by_default(forecast):
    _, err = forecast
    assert "warning: history.csv: 1 negative quantities (first at line" in err


BAD = [
    ("empty.csv", "empty.csv: the file is empty"),
    ("empty_header_only.csv", "empty_header_only.csv: no data rows after the header"),
    ("missing_column.csv", "missing column(s) period in the header (found: series, month, quantity)"),
    ("bad_quantity.csv", "line 3: column 'quantity': 'abc' is not a number"),
    ("empty_quantity.csv", "line 3: column 'quantity': '' is not a number"),
    ("infinite_quantity.csv", "line 3: column 'quantity': 'inf' is not a number"),
    ("bad_month.csv", "line 3: column 'period': '2024-13' is not a valid date"),
    ("bad_day.csv", "line 2: column 'period': '2024-02-30' is not a valid date"),
    ("bad_period.csv", "line 3: column 'period': 'Jan 2024' is not a month (expected YYYY-MM or YYYY-MM-DD)"),
    ("duplicate.csv", "line 4: duplicate series 'A' and period '2024-01' (first at line 2)"),
    ("empty_series.csv", "line 3: column 'series': '' is empty"),
    ("malformed.csv", "malformed CSV"),
    ("no_such_file.csv", "no_such_file.csv: no such file"),
]


@pytest.mark.parametrize(("name", "message"), BAD)
def test_bad_input_gives_one_clear_line_exit_2_and_writes_nothing(tmp_path, name, message):
    target = tmp_path / "out.csv"
    code, out, err = run(FIXTURES / name, "--out", target, "--jobs", 1)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert not target.exists() and os.listdir(tmp_path) == [] and out == ""


def test_negative_quantities_can_be_refused(tmp_path):
    target = tmp_path / "out.csv"
    code, _, err = run(FIXTURES / "negative.csv", "--out", target, "--negative", "error")
    assert code == 2 and "line 3: column 'quantity': '-3' is negative" in err
    assert not target.exists()


@pytest.mark.parametrize("horizon", ["0", "-3", "abc", "2.5", "1201"])
def test_bad_horizon_is_refused(tmp_path, horizon):
    target = tmp_path / "out.csv"
    code, _, err = run(FIXTURES / "history.csv", "--horizon", horizon, "--out", target)
    assert code == 2 and "horizon must be" in err and len(err.strip().splitlines()) == 1
    assert not target.exists()


def test_missing_output_directory_is_refused(tmp_path):
    code, _, err = run(FIXTURES / "history.csv", "--out", tmp_path / "nope" / "out.csv")
    assert code == 2 and "no such directory" in err


def test_stdout_output_and_other_level(tmp_path):
    code, out, _ = run(FIXTURES / "negative.csv", "--horizon", 3, "--out", "-", "--level", "90")
    assert code == 0
    assert out.splitlines() == [
        "series,period,quantity,lo90,hi90,model",
        *[line for line in out.splitlines()[1:]],
    ] and len(out.splitlines()) == 4
    assert out.splitlines()[1].startswith("A,2024-03,")


def test_module_entry_point_runs(tmp_path):
    target = tmp_path / "f.csv"
    proc = subprocess.run([sys.executable, "-m", "reviews.forecasting", str(FIXTURES / "negative.csv"),
                           "--horizon", "2", "--out", str(target), "--diagnostics", str(tmp_path / "d.csv")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text().splitlines()[0] == "series,period,quantity,lo80,hi80,model"
    assert (tmp_path / "d.csv").read_text().startswith("series,model,demand_class")


def test_output_rounding_keeps_small_values():
    assert list(tidy([1234.567891, 0.000123456789, 0.5, 0.0, 2.0])) == [1234.5679, 0.000123457, 0.5, 0.0, 2.0]
