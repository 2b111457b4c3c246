"""Command line: ``python -m optimizer.engine PROBLEM.json --out PLAN.json``.

The Django command ``python manage.py solve`` calls :func:`run` with the same
arguments. Exit codes: 0 a plan was written (optimal, feasible or
infeasible_relaxed); 1 the solver failed (a plan with status ``error`` and its
message is still written); 2 the file, the JSON or the document is invalid
(one line on stderr naming the field path and the reason); 130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import IO, Any

EXIT_OK, EXIT_SOLVER_ERROR, EXIT_INVALID, EXIT_CANCELLED = 0, 1, 2, 130
METHODS = ("auto", "simplex", "ipm", "glop")


def _positive(value: str) -> float:
    v = float(value)
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return v


def _nonneg(value: str) -> float:
    v = float(value)
    if not v >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return v


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem", help="problem document (sop-problem/1 JSON); '-' reads stdin")
    parser.add_argument("--out", "-o", default="-", help="where to write the plan (default: stdout)")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also plan the sequential baseline and report the value of the single pass",
    )
    parser.add_argument(
        "--time-limit",
        type=_positive,
        default=None,
        metavar="S",
        help="seconds for the whole solve (default: none for LPs; MIP search capped at 300 s)",
    )
    parser.add_argument(
        "--gap", type=_nonneg, default=1e-4, metavar="G", help="relative MIP gap (default 1e-4)"
    )
    parser.add_argument("--method", choices=METHODS, default="auto", help="LP algorithm (default: by size)")
    parser.add_argument("--threads", type=int, default=None, help="solver threads (default: solver's choice)")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print the plan JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary line on stderr")
    parser.add_argument("--stats", default=None, metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument(
        "--progress",
        default=None,
        metavar="PATH",
        help="append progress as JSON lines {phase, fraction} to PATH (for a supervising process)",
    )
    parser.add_argument(
        "--parent-pid",
        type=int,
        default=None,
        metavar="PID",
        help="exit (code 130) as soon as process PID is no longer this process's parent",
    )


def _stdout_to_stderr() -> int | None:
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
        return saved
    except (OSError, ValueError):  # no real file descriptors (e.g. captured streams)
        return None


def _restore_stdout(saved: int) -> None:
    os.dup2(saved, 1)
    os.close(saved)


class _ProgressFile:
    """``progress(phase, fraction)`` appending JSON lines to a file (any thread)."""

    def __init__(self, path: str):
        self.fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life
        self.lock = threading.Lock()

    def write(self, item: dict) -> None:
        with self.lock:
            self.fh.write(json.dumps(item) + "\n")
            self.fh.flush()

    def __call__(self, phase: str, fraction: float) -> None:
        self.write({"phase": phase, "fraction": round(float(fraction), 4)})


def _exit_with_parent(pid: int) -> None:
    """A watchdog thread: exit at once when ``pid`` stops being our parent (it died)."""

    def watch() -> None:
        while True:
            if os.getppid() != pid:
                os._exit(EXIT_CANCELLED)
            time.sleep(0.5)

    if os.getppid() != pid:
        os._exit(EXIT_CANCELLED)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _read(path: str) -> Any:
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def run(
    problem: str,
    *,
    out: str = "-",
    baseline: bool = False,
    time_limit: float | None = None,
    gap: float = 1e-4,
    method: str = "auto",
    threads: int | None = None,
    indent: int | None = None,
    quiet: bool = False,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    stats: str | None = None,
    progress: str | None = None,
    parent_pid: int | None = None,
) -> int:
    """Solve the document at ``problem`` and write the plan to ``out``; returns the exit code.

    ``progress``: a file that gets one JSON line per progress report
    (``{"phase": ..., "fraction": ...}``) and, for an invalid document,
    ``{"invalid": {"path": ..., "reason": ...}}``; ``parent_pid``: the process
    exits with code 130 within a second of that process going away (so a
    supervisor killed without notice does not leave the solve running).
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    started = time.perf_counter()
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    reporter = _ProgressFile(progress) if progress else None
    try:
        doc = _read(problem)
    except FileNotFoundError:
        print(f"error: {problem}: no such file", file=stderr)
        return EXIT_INVALID
    except json.JSONDecodeError as exc:
        print(
            f"error: {problem}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            file=stderr,
        )
        return EXIT_INVALID
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {problem}: cannot read: {exc}", file=stderr)
        return EXIT_INVALID

    read_s = time.perf_counter() - started
    from .schema import ProblemError
    from .solve import solve
    from .strategy import SolveCancelled

    # Native solvers may print to fd 1; keep stdout clean when the plan goes there.
    saved_fd = _stdout_to_stderr() if out == "-" else None
    try:
        plan = solve(
            doc,
            time_limit=time_limit,
            gap=gap,
            baseline=baseline,
            method=method,
            threads=threads,
            progress=reporter,
        )
    except ProblemError as exc:
        print(f"error: invalid problem document: {exc}", file=stderr)
        if reporter is not None:
            reporter.write({"invalid": {"path": exc.path, "reason": exc.reason}})
        return EXIT_INVALID
    except (SolveCancelled, KeyboardInterrupt):
        print("error: solve cancelled", file=stderr)
        return EXIT_CANCELLED
    except Exception as exc:  # a bug or an out-of-memory: still one line and a plan that says why
        from .plan import error_plan

        name = doc.get("name", "") if isinstance(doc, dict) else ""
        plan = error_plan(str(name), f"internal error: {type(exc).__name__}: {exc}")

    finally:
        if saved_fd is not None:
            _restore_stdout(saved_fd)
    solved = time.perf_counter()
    text = json.dumps(plan, indent=indent, allow_nan=False)
    if out == "-":
        stdout.write(text + "\n")
    else:
        try:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            print(f"error: cannot write {out}: {exc}", file=stderr)
            return EXIT_INVALID
    if stats:
        with open(stats, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "read": read_s,
                    "solve_call": solved - started - read_s,
                    "write": time.perf_counter() - solved,
                    "timings": plan.get("timings"),
                    "model": plan["solver"].get("model"),
                    "status": plan["status"],
                    "profit": (plan.get("objective") or {}).get("profit"),
                    "gap": plan["solver"].get("gap"),
                    "algorithm": plan["solver"].get("algorithm"),
                    "phases": plan["solver"].get("phases"),
                },
                fh,
            )
    if not quiet:
        seconds = time.perf_counter() - started
        if plan["status"] == "error":
            print(f"error: {plan.get('message')} ({seconds:.1f} s)", file=stderr)
        else:
            obj, solver = plan["objective"], plan["solver"]
            gap_txt = f", gap {solver['gap']:.4%}" if solver.get("gap") else ""
            print(
                f"{plan['status']}: profit {obj['profit']:,.2f} (solver {solver['name']}{gap_txt}, "
                f"{seconds:.1f} s total) -> {out if out != '-' else 'stdout'}",
                file=stderr,
            )
    return EXIT_SOLVER_ERROR if plan["status"] == "error" else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m optimizer.engine", description="Solve an S&OP problem document."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(
        args.problem,
        out=args.out,
        baseline=args.baseline,
        time_limit=args.time_limit,
        gap=args.gap,
        method=args.method,
        threads=args.threads,
        indent=args.indent,
        quiet=args.quiet,
        stats=args.stats,
        progress=args.progress,
        parent_pid=args.parent_pid,
    )
