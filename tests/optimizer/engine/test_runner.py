"""The engine in a child process (optimizer/engine/runner.py): same plan as in-process, progress
streamed back, errors mapped, stopped at once by should_stop() or by any exception of the caller,
and gone by itself when its parent dies."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from optimizer.engine import ProblemError, SolveCancelled, runner, solve

from .randomdocs import random_document
from .test_cli import ROOT, small


def test_the_child_returns_the_in_process_plan_and_streams_progress():
    doc = random_document(3)
    seen = []
    plan = runner.solve_in_subprocess(doc, baseline=True, progress=lambda p, f: seen.append((p, f)), poll=0.05)
    local = solve(doc, baseline=True)
    assert plan["status"] == local["status"]
    assert plan["objective"]["profit"] == pytest.approx(local["objective"]["profit"])
    assert plan["objective"]["costs"] == pytest.approx(local["objective"]["costs"])
    assert plan["comparison"]["value"] == pytest.approx(local["comparison"]["value"])
    assert seen[0][0] == "validate" and seen[-1] == ("done", 1.0)
    assert [f for _, f in seen] == sorted(f for _, f in seen)


def test_an_invalid_document_raises_problem_error_with_the_path():
    doc = small()
    doc["demand"][0]["quantity"] = -1
    with pytest.raises(ProblemError) as err:
        runner.solve_in_subprocess(doc)
    assert err.value.path == "demand[0].quantity" and err.value.reason == "must be >= 0, got -1"


def long_doc():
    from bench.optimizer.generate import generate_size

    return generate_size("L")  # one LP of 30-60 s


def test_should_stop_kills_the_child_at_once():
    pids, start = [], time.monotonic()
    asked = []

    def stop() -> bool:
        if pids and time.monotonic() - start > 4 and not asked:
            asked.append(time.monotonic())
        return bool(asked)

    with pytest.raises(SolveCancelled):
        runner.solve_in_subprocess(long_doc(), should_stop=stop, on_start=lambda p: pids.append(p.pid), poll=0.1)
    assert time.monotonic() - asked[0] < 1.0
    assert runner.wait_gone(pids[0], timeout=1)


def test_an_exception_in_the_caller_kills_the_child():
    pids = []

    class SoftLimit(Exception):
        pass

    def progress(phase, fraction):
        if phase == "lp":
            raise SoftLimit()

    with pytest.raises(SoftLimit):
        runner.solve_in_subprocess(long_doc(), progress=progress, on_start=lambda p: pids.append(p.pid), poll=0.1)
    assert runner.wait_gone(pids[0], timeout=1)


def test_the_child_exits_by_itself_when_its_parent_dies(tmp_path):
    src = tmp_path / "problem.json"
    src.write_text(json.dumps(long_doc()))
    # A parent that starts the solver and dies at once (like a worker killed at the hard limit).
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, subprocess, sys; "
            f"p = subprocess.Popen([sys.executable, '-m', 'optimizer.engine', {str(src)!r}, '--out', "
            f"{str(tmp_path / 'plan.json')!r}, '--quiet', '--parent-pid', str(os.getpid())]); "
            "print(p.pid, flush=True); time = __import__('time'); time.sleep(2); os._exit(0)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid = int(parent.stdout.split()[0])
    assert runner.wait_gone(pid, timeout=5), "the orphaned solver kept running"
    assert not (tmp_path / "plan.json").exists()


def test_a_time_limit_already_used_up_gives_the_error_plan_as_in_process():
    plan = runner.solve_in_subprocess(random_document(1), time_limit=-3)
    assert plan["status"] == "error" and "time limit" in plan["message"]
