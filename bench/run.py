"""`make bench`: runs the benchmarks whose tables are in bench/README.md.

    python bench/run.py                 # optimizer S/M, forecast 5,000 series, imports (PostgreSQL only)
    python bench/run.py optimizer -- --sizes L --variants lp
    python bench/run.py forecast -- --series 500
    python bench/run.py imports         # needs DATABASE_URL=postgres://... (a scratch database)

Each suite is its own runner (bench/<suite>/run.py); arguments after `--` go to it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = {
    "optimizer": [sys.executable, "-m", "bench.optimizer.run"],
    "forecast": [sys.executable, "bench/forecast/run.py"],
    "imports": [sys.executable, "bench/imports/run.py"],
}


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    suites = argv or list(SUITES)
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)}; choose from {', '.join(SUITES)}", file=sys.stderr)
        return 2
    status = 0
    for suite in suites:
        if suite == "imports" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            print("imports: skipped (set DATABASE_URL to a scratch PostgreSQL database to measure COPY)")
            continue
        print(f"=== {suite}", flush=True)
        status |= subprocess.call(SUITES[suite] + extra, cwd=ROOT)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
