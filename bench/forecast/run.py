"""Forecast benchmark: time the CLI end to end, score it on held-out months.

    python bench/forecast/run.py                      # 5,000 series x 36 months -> 24 months
    python bench/forecast/run.py --series 500 --jobs 1

The CLI runs as a fresh subprocess (``python -m reviews.forecasting``), so
the wall time includes interpreter start, imports and everything else a user
waits for. Accuracy is scored against the 24 held-out months and compared
with the seasonal naive forecast (last 12 months repeated; last value when a
series has under 12 months). Prints markdown tables for bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from generate import generate  # noqa: E402

from reviews.forecasting import metrics  # noqa: E402


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def seasonal_naive(y: np.ndarray, h: int, m: int = 12) -> np.ndarray:
    if y.size >= m:
        return np.resize(y[-m:], h)
    return np.full(h, y[-1])


def score(hist: pd.DataFrame, hold: pd.DataFrame, fc: pd.DataFrame, diag: pd.DataFrame) -> pd.DataFrame:
    """One row per method and series class with sMAPE, MASE, WAPE, bias, coverage."""
    fc = fc.set_index(["series", "period"])
    kinds = diag.set_index("series")["demand_class"]
    rows = []
    for sid, h in hold.groupby("series", sort=False):
        y = hist_map[sid]
        actual = h["quantity"].to_numpy(dtype=float)
        f = fc.loc[[(sid, p) for p in h["period"]]]
        for method, pred in (("engine", f["quantity"].to_numpy()), ("seasonal naive", seasonal_naive(y, actual.size))):
            rows.append({
                "series": sid, "class": kinds.get(sid, "?"), "kind": GENERATED.get(sid[:3], "?"),
                "method": method,
                "smape": metrics.smape(actual, pred), "mase": metrics.mase(actual, pred, y, 12),
                "abs_err": float(np.abs(actual - pred).sum()), "err": float((pred - actual).sum()),
                "actual": float(actual.sum()),
                "inside": float(((actual >= f["lo80"].to_numpy()) & (actual <= f["hi80"].to_numpy())).mean())
                if method == "engine" else np.nan,
            })
    return pd.DataFrame(rows)


hist_map: dict[str, np.ndarray] = {}
GENERATED = {"SEA": "seasonal", "TRE": "trend", "LEV": "level shift", "ERR": "erratic", "INT": "intermittent",
             "LUM": "lumpy", "SHO": "short history", "DYI": "dying"}


def markdown(df: pd.DataFrame) -> str:
    df = df.reset_index()
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" if df[c].dtype == object else "---:" for c in df.columns) + "|"
    body = ["| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def summarise(per: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    g = per.groupby(by, sort=False)
    out = pd.DataFrame({
        "series": g.size(),
        "sMAPE %": 100 * g["smape"].mean(),
        "MASE": g["mase"].apply(lambda s: s.replace([np.inf], np.nan).mean()),
        "WAPE %": 100 * g["abs_err"].sum() / g["actual"].sum(),
        "bias %": 100 * g["err"].sum() / g["actual"].sum(),
        "80% coverage %": 100 * g["inside"].mean(),
    })
    return out.round(2)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="forecast benchmark")
    p.add_argument("--series", type=int, default=5000)
    p.add_argument("--history", type=int, default=36)
    p.add_argument("--horizon", type=int, default=24)
    p.add_argument("--jobs", default="-1")
    p.add_argument("--candidates", default="fast", choices=("fast", "full"))
    p.add_argument("--out", default=os.path.join(ROOT, "var", "bench", "forecast"))
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    hist, hold = generate(a.series, a.history, a.horizon)
    hist_path = os.path.join(a.out, "history.csv")
    hist.to_csv(hist_path, index=False)
    fc_path, diag_path = os.path.join(a.out, "forecast.csv"), os.path.join(a.out, "diagnostics.csv")

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reviews.forecasting", hist_path, "--horizon", str(a.horizon),
                           "--out", fc_path, "--diagnostics", diag_path, "--jobs", a.jobs,
                           "--candidates", a.candidates],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    load_after = os.getloadavg()
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return proc.returncode

    fc = pd.read_csv(fc_path, dtype={"series": str, "period": str})
    diag = pd.read_csv(diag_path, dtype={"series": str})
    for sid, g in hist.groupby("series", sort=False):
        hist_map[sid] = g["quantity"].to_numpy(dtype=float)
    per = score(hist, hold, fc, diag)

    print(f"date {dt.date.today()}, {platform.node()}, {os.cpu_count()} cores ({cpu_name()}), "
          f"Python {platform.python_version()}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"{a.series} series x {a.history} months -> {a.horizon} months, --jobs {a.jobs} "
          f"--candidates {a.candidates}: "
          f"wall {wall:.1f} s (CLI subprocess, imports included), {1000 * wall / a.series:.1f} ms/series")
    print()
    print(markdown(summarise(per, ["method"])))
    print()
    print(markdown(summarise(per, ["kind", "method"])))
    print()
    print(markdown(summarise(per, ["class", "method"])))
    print()
    print("chosen models:", diag["model"].value_counts().to_dict())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
