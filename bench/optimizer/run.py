"""Benchmark the optimizer end to end (JSON in, plan JSON out) and print a table.

    python -m bench.optimizer.run --sizes S M L --variants lp mip
    python -m bench.optimizer.run --sizes XL --variants lp --time-limit 900

Each run is a fresh ``python -m optimizer.engine`` process (CLI start-up
included); peak memory is that process's max RSS. Problems come from
``bench/optimizer/generate.py`` (fixed seed, so runs are repeatable).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .generate import SIZES, generate_size

ROOT = Path(__file__).resolve().parents[2]


def run_one(
    size: str, variant: str, *, seed: int, time_limit: float | None, workdir: Path, extra: list[str]
) -> dict:
    doc = generate_size(size, seed=seed, mip=variant == "mip")
    src = workdir / f"{size}-{variant}.json"
    out = workdir / f"{size}-{variant}-plan.json"
    stats = workdir / f"{size}-{variant}-stats.json"
    src.write_text(json.dumps(doc))
    cmd = [
        sys.executable,
        "-m",
        "optimizer.engine",
        str(src),
        "--out",
        str(out),
        "--stats",
        str(stats),
        "--quiet",
        *extra,
    ]
    if time_limit:
        cmd += ["--time-limit", str(time_limit)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    st = json.loads(stats.read_text()) if stats.exists() else {}
    tm = st.get("timings") or {}
    solve_s = tm.get("solve", 0.0) + tm.get("baseline", 0.0)
    model = st.get("model") or {}
    return {
        "size": size,
        "variant": variant,
        "exit": proc.returncode,
        "wall": wall,
        "variables": model.get("variables"),
        "rows": model.get("rows"),
        "nonzeros": model.get("nonzeros"),
        "integers": model.get("integers"),
        "build": tm.get("build"),
        "solve": solve_s,
        "other": wall - solve_s,
        "rss_mb": usage.ru_maxrss / 1024,
        "cpu": usage.ru_utime + usage.ru_stime,
        "status": st.get("status"),
        "gap": st.get("gap"),
        "algorithm": st.get("algorithm"),
        "profit": st.get("profit"),
        "read": st.get("read"),
        "write": st.get("write"),
        "timings": tm,
        "phases": st.get("phases"),
        "json_mb": src.stat().st_size / 1e6,
    }


def fmt(row: dict) -> str:
    def f(v, nd=1):
        return "-" if v is None else f"{v:,.{nd}f}"

    other_pct = 100 * row["other"] / row["wall"] if row["wall"] else 0
    gap = "-" if row["gap"] is None else f"{100 * row['gap']:.3f}%"
    return (
        f"| {row['size']} | {row['variant']} | {row['variables']:,} | {row['rows']:,} | {row['nonzeros']:,} | "
        f"{row['integers']:,} | {f(row['build'], 2)} | {f(row['solve'])} | {f(row['wall'])} | {f(row['cpu'])} | "
        f"{other_pct:.0f}% | "
        f"{f(row['rss_mb'], 0)} | {row['status']} | {gap} | {row['algorithm']} |"
    )


HEADER = (
    "| size | variant | variables | rows | nonzeros | integers | build s | solve s | total s | CPU s | "
    "around solver | peak RSS MB | status | gap | algorithm |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["S", "M"], choices=sorted(SIZES))
    ap.add_argument("--variants", nargs="+", default=["lp", "mip"], choices=["lp", "mip"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--json", default=None, help="also write the raw results here")
    ap.add_argument("--keep", default=None, help="keep problems and plans in this directory")
    ap.add_argument("extra", nargs="*", help="extra CLI arguments after --, e.g. -- --baseline")
    args = ap.parse_args(argv)
    load = os.getloadavg()
    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(HEADER, flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            for variant in args.variants:
                row = run_one(
                    size,
                    variant,
                    seed=args.seed,
                    time_limit=args.time_limit,
                    workdir=workdir,
                    extra=args.extra,
                )
                rows.append(row)
                print(fmt(row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
