"""Command line: python -m reviews.forecasting HISTORY.csv --horizon 24 --out FORECAST.csv

Exit codes: 0 done, 2 bad input or arguments (one-line message on stderr,
nothing written), 1 unexpected failure. The output is written to a temporary
file beside ``--out`` and renamed into place, so a failure never leaves a
partial file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import TextIO

MAX_HORIZON = 1200  # 100 years: a guard against typos, not a planning rule


class CliError(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _horizon(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"horizon must be a whole number of months, got {text!r}") from None
    if not 1 <= value <= MAX_HORIZON:
        raise argparse.ArgumentTypeError(f"horizon must be between 1 and {MAX_HORIZON} months, got {value}")
    return value


def _level(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"level must be a whole percentage, got {text!r}") from None
    if not 1 <= value <= 99:
        raise argparse.ArgumentTypeError(f"level must be between 1 and 99, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The CLI's arguments; shared with the Django management command."""
    parser.add_argument("history", metavar="HISTORY.csv",
                        help="CSV with columns series,period,quantity (period YYYY-MM or YYYY-MM-DD)")
    parser.add_argument("--horizon", type=_horizon, default=24,
                        help="months to forecast after each series' last month (default 24; 18-36 usual)")
    parser.add_argument("--out", required=True, metavar="FORECAST.csv",
                        help="output CSV: series,period,quantity,lo80,hi80,model ('-' for stdout)")
    parser.add_argument("--level", type=_level, default=80, help="prediction interval level in %% (default 80)")
    parser.add_argument("--season-length", type=int, default=12, help="months per season (default 12)")
    parser.add_argument("--jobs", type=int, default=-1,
                        help="worker processes (default -1: all cores; 1 inside a daemon process)")
    parser.add_argument("--candidates", choices=("fast", "full"), default="fast",
                        help="candidate set: fast (default) or full (adds seasonal ARIMA; ~3x slower)")
    parser.add_argument("--negative", choices=("clip", "error"), default="clip",
                        help="negative quantities: clip month totals to 0 with a warning (default) or refuse")
    parser.add_argument("--diagnostics", metavar="DIAG.csv",
                        help="also write one row per series: chosen model, class, backtest errors")
    parser.add_argument("--backtest", metavar="BACKTEST.csv",
                        help="also write one row per series and candidate with its backtest errors")
    parser.add_argument("--progress", action="store_true", help="report progress on stderr")


class _Parser(argparse.ArgumentParser):
    err: TextIO | None = None

    def error(self, message: str):  # one line, not the whole usage block
        print(f"error: {message} (see --help)", file=self.err or sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m reviews.forecasting",
        description="Statistical baseline forecast per series: candidate models chosen by rolling-origin "
                    "backtest, with prediction intervals.")
    add_arguments(parser)
    return parser


def tidy(values):
    """Round for the CSV: 4 decimals, but 6 significant digits below 1 (0.000123456 stays)."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    out = np.round(x, 4)
    small = (np.abs(x) < 1) & (x != 0)
    if small.any():
        digits = 5 - np.floor(np.log10(np.abs(x[small]))).astype(int)
        out[small] = [round(float(v), int(d)) for v, d in zip(x[small], digits, strict=True)]
    return out


def _write_csv(frame, path: str, stdout: TextIO) -> None:
    if path == "-":
        frame.to_csv(stdout, index=False, lineterminator="\n")
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".forecast-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def execute(options: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> None:
    """Run the forecast for parsed options; raises CliError on bad input."""
    from .engine import PRESETS, forecast_many
    from .inputs import InputError, read_history

    for target in (options.out, options.diagnostics, options.backtest):
        if target and target != "-":
            directory = os.path.dirname(os.path.abspath(target))
            if not os.path.isdir(directory):
                raise CliError(f"cannot write {target}: no such directory {directory}")
    if options.season_length < 1:
        raise CliError(f"--season-length must be positive, got {options.season_length}")
    started = time.perf_counter()
    try:
        history = read_history(options.history, negative=options.negative)
    except InputError as exc:
        raise CliError(str(exc)) from None
    for warning in history.warnings:
        print(f"warning: {warning}", file=stderr)

    def report(done: int, total: int) -> None:
        print(f"\rforecast {done}/{total} series", end="" if done < total else "\n", file=stderr, flush=True)

    result = forecast_many(history.frame, options.horizon, level=options.level,
                           season_length=options.season_length, n_jobs=options.jobs,
                           progress=report if options.progress else None,
                           config=PRESETS[getattr(options, "candidates", "fast")])
    lo, hi = f"lo{options.level}", f"hi{options.level}"
    out = result.forecast.copy()
    for col in ("quantity", lo, hi):
        out[col] = tidy(out[col].to_numpy())
    _write_csv(out, options.out, stdout)
    if options.diagnostics:
        _write_csv(result.diagnostics, options.diagnostics, stdout)
    if options.backtest:
        _write_csv(result.backtest, options.backtest, stdout)
    if options.out != "-" or options.progress:
        n = len(result.diagnostics)
        print(f"forecast {n} series x {options.horizon} months in {time.perf_counter() - started:.1f} s"
              f" -> {options.out}", file=stderr)


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 2 bad input, 1 unexpected error)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    parser.err = stderr
    try:
        options = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage error
        return int(exc.code or 0)
    try:
        execute(options, stdout=stdout, stderr=stderr)
    except CliError as exc:
        print(f"error: {exc}", file=stderr)
        return exc.code
    except KeyboardInterrupt:
        print("error: interrupted", file=stderr)
        return 130
    except Exception as exc:  # unexpected: keep it to one line, no partial output was written
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=stderr)
        return 1
    return 0
