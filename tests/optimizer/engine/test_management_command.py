"""``manage.py solve``: the thin Django wrapper (no database access)."""

from __future__ import annotations

import json

import pytest

from .helpers import dem, problem

django = pytest.importorskip("django")


@pytest.fixture
def call_command():
    from django.conf import settings

    if not settings.configured:  # standalone engine run; under pytest-django the project settings are used
        settings.configure(INSTALLED_APPS=["optimizer"], DATABASES={}, USE_TZ=True)
        django.setup()
    from django.core.management import call_command as call

    return call


def test_solve_command_writes_a_plan(tmp_path, call_command):
    src, out = tmp_path / "p.json", tmp_path / "plan.json"
    src.write_text(json.dumps(problem(demand=dem(3))))
    call_command("solve", str(src), "--out", str(out), "--baseline", "--gap", "0.001", "--quiet")
    plan = json.loads(out.read_text())
    assert plan["status"] == "optimal" and plan["objective"]["profit"] == pytest.approx(30)


def test_solve_command_exits_2_on_an_invalid_document(tmp_path, call_command, capsys):
    doc = problem(demand=dem(3))
    doc["demand"][0]["family"] = "nope"
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(doc))
    with pytest.raises(SystemExit) as info:
        call_command("solve", str(src), "--out", str(tmp_path / "plan.json"))
    assert info.value.code == 2
    assert "demand[0].family: unknown family 'nope'" in capsys.readouterr().err
