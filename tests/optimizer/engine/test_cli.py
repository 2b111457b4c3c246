"""The command line: python -m optimizer.engine and cli.main()."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.engine import cli

from .helpers import check_plan, dem, problem

ROOT = Path(__file__).resolve().parents[3]


def small() -> dict:
    return problem(
        2,
        families=[{"code": "F", "price": 10, "material_cost": 2}],
        demand=dem([5, 7]),
        resources=[{"code": "R", "capacity": 6}],
        routings=[{"family": "F", "resource": "R", "hours_per_unit": 1}],
    )


def test_python_m_writes_the_plan_and_exits_0(tmp_path):
    src, out = tmp_path / "problem.json", tmp_path / "plan.json"
    src.write_text(json.dumps(small()))
    proc = subprocess.run(
        [sys.executable, "-m", "optimizer.engine", str(src), "--out", str(out), "--baseline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(out.read_text())
    assert plan["format"] == "sop-plan/1" and plan["status"] == "optimal"
    assert "baseline" in plan and "comparison" in plan
    check_plan(small(), plan)
    assert proc.stderr.startswith("optimal: profit")


def test_python_m_rejects_an_invalid_document_with_exit_2_and_one_line(tmp_path):
    doc = small()
    doc["demand"][0]["quantity"] = -1
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(doc))
    proc = subprocess.run(
        [sys.executable, "-m", "optimizer.engine", str(src), "--out", str(tmp_path / "p.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: invalid problem document: demand[0].quantity: must be >= 0, got -1"
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "p.json").exists()


def test_main_reports_unreadable_files_and_bad_json(tmp_path, capsys):
    assert cli.main([str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert cli.main([str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "line 1" in err


def test_main_writes_to_stdout_by_default(tmp_path, capsys):
    src = tmp_path / "problem.json"
    src.write_text(json.dumps(small()))
    assert cli.main([str(src), "--quiet", "--gap", "0.001", "--time-limit", "60"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["objective"]["profit"] > 0


def test_main_rejects_bad_options(tmp_path):
    with pytest.raises(SystemExit) as info:
        cli.main(["x.json", "--time-limit", "-3"])
    assert info.value.code == 2
