"""Run a solve in a child process that can be stopped at once.

HiGHS through MathOpt (OR-Tools 9.15) cannot be interrupted: a running LP or
branch and cut ignores MathOpt's interrupter and its MIP callbacks are never
called, so an in-process ``should_stop()`` only takes effect between native
solves (up to a minute at L). :func:`solve_in_subprocess` therefore runs
``python -m optimizer.engine`` as a child process (``subprocess.Popen``, so
it also works from a daemonic Celery prefork worker, which may not start
``multiprocessing`` children):

* the problem goes to the child in a temporary file, the plan comes back the
  same way (the CLI writes it);
* the child appends progress as JSON lines to a file the caller's thread reads
  every ``poll`` seconds, calling ``progress(phase, fraction)`` (so a
  progress callback that writes to a database runs in the caller's thread);
* ``should_stop()`` is polled at the same pace; when it returns True the
  child's process group is killed (SIGKILL) and :class:`SolveCancelled` is
  raised: the solver is gone within ``poll`` seconds;
* any exception in the caller while waiting (e.g. Celery's
  ``SoftTimeLimitExceeded``) kills the child before it propagates;
* the child exits by itself within a second if its parent disappears (a
  worker killed at Celery's hard time limit), see ``cli --parent-pid``.

Pure Python, no Django: the app calls it from ``optimizer/execution.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .schema import ProblemError
from .strategy import SolveCancelled

ROOT = Path(__file__).resolve().parents[2]  # the directory that holds the `optimizer` package
EXIT_OK, EXIT_SOLVER_ERROR, EXIT_INVALID, EXIT_CANCELLED = 0, 1, 2, 130


class SolverProcessError(RuntimeError):
    """The child process failed without writing a plan (killed, crashed, out of memory)."""


def _command(
    python: str,
    src: Path,
    out: Path,
    prog: Path,
    *,
    time_limit: float | None,
    gap: float,
    baseline: bool,
    method: str,
    threads: int | None,
) -> list[str]:
    cmd = [python, "-m", "optimizer.engine", str(src), "--out", str(out), "--quiet"]
    cmd += ["--progress", str(prog), "--parent-pid", str(os.getpid()), "--gap", repr(float(gap))]
    if time_limit is not None:  # like solve(): a limit already used up still gets 10 ms
        cmd += ["--time-limit", repr(max(float(time_limit), 0.01))]
    if baseline:
        cmd.append("--baseline")
    if method != "auto":
        cmd += ["--method", method]
    if threads:
        cmd += ["--threads", str(int(threads))]
    return cmd


class _Tail:
    """Reads complete JSON lines appended to a file since the last read."""

    def __init__(self, path: Path):
        self.path = path
        self.pos = 0
        self.invalid: dict | None = None

    def read(self) -> list[dict]:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.pos)
                data = fh.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []
        self.pos += end + 1
        items = []
        for line in data[: end + 1].splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if "invalid" in item:
                self.invalid = item["invalid"]
            else:
                items.append(item)
        return items


def _kill(proc: subprocess.Popen) -> None:
    """Kill the child and anything it started (its own process group), then reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait for anything
        pass


def solve_in_subprocess(
    problem: dict[str, Any],
    *,
    time_limit: float | None = None,
    gap: float = 1e-4,
    baseline: bool = False,
    method: str = "auto",
    threads: int | None = None,
    progress: Callable[[str, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    poll: float = 0.2,
    python: str | None = None,
    on_start: Callable[[subprocess.Popen], None] | None = None,
) -> dict[str, Any]:
    """:func:`optimizer.engine.solve` in a child process; same arguments and results.

    Raises :class:`ProblemError` for an invalid document,
    :class:`SolveCancelled` when ``should_stop()`` said stop (the child is
    killed first) and :class:`SolverProcessError` when the child died
    without a plan. ``on_start(proc)`` sees the child (tests use its pid).
    """
    with tempfile.TemporaryDirectory(prefix="sop-solve-") as tmp:
        work = Path(tmp)
        src, out, prog, err = (work / n for n in ("problem.json", "plan.json", "progress.jsonl", "stderr.txt"))
        src.write_text(json.dumps(problem, allow_nan=False), encoding="utf-8")
        prog.touch()
        cmd = _command(
            python or sys.executable,
            src,
            out,
            prog,
            time_limit=time_limit,
            gap=gap,
            baseline=baseline,
            method=method,
            threads=threads,
        )
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        tail = _Tail(prog)
        with err.open("wb") as err_fh:
            proc = subprocess.Popen(
                cmd,
                cwd=str(ROOT),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err_fh,
                start_new_session=True,  # its own process group: killed as a whole
            )
        try:
            if on_start is not None:
                on_start(proc)
            while True:
                try:
                    code = proc.wait(timeout=poll)
                except subprocess.TimeoutExpired:
                    code = None
                for item in tail.read():
                    if progress is not None and "phase" in item:
                        progress(str(item["phase"]), float(item.get("fraction") or 0.0))
                if code is not None:
                    break
                if should_stop is not None and should_stop():
                    _kill(proc)
                    raise SolveCancelled()
        finally:
            if proc.poll() is None:
                _kill(proc)
        return _result(code, out, err, tail)


def _result(code: int, out: Path, err: Path, tail: _Tail) -> dict[str, Any]:
    stderr = err.read_text(encoding="utf-8", errors="replace").strip()
    last = stderr.splitlines()[-1] if stderr else ""
    if code in (EXIT_OK, EXIT_SOLVER_ERROR) and out.exists():
        with out.open(encoding="utf-8") as fh:
            return json.load(fh)
    if code == EXIT_INVALID and tail.invalid is not None:
        raise ProblemError(tail.invalid.get("path") or "$", tail.invalid.get("reason") or "invalid")
    if code == EXIT_CANCELLED:
        raise SolveCancelled()
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        raise SolverProcessError(f"the solver process was killed by {name}{hint}")
    raise SolverProcessError(f"the solver process failed (exit code {code}): {last or 'no message'}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (dead, not reaped yet: e.g. an orphan under a container's pid 1) is gone
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    """True once no live process has ``pid`` (tests: the killed solver is really gone)."""
    deadline = time.monotonic() + timeout
    while True:
        if not _alive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
