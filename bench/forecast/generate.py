"""Synthetic monthly demand panel for the forecast benchmark (seeded).

    python bench/forecast/generate.py --series 5000 --history 36 --holdout 24 --out var/bench/forecast

Writes history.csv (series,period,quantity: the CLI's input) and holdout.csv
(the months that follow, to score against). The mix imitates a planning
portfolio: seasonal series with trends, level shifts, noisy erratic series,
intermittent and lumpy spare-part-like series, young products with a short
history, dying products, magnitudes from 0.01 to 10^8 and decimals.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd

KINDS = (  # (name, share)
    ("seasonal", 0.40),
    ("trend", 0.10),
    ("level_shift", 0.10),
    ("erratic", 0.08),
    ("intermittent", 0.17),
    ("lumpy", 0.05),
    ("short", 0.06),
    ("dying", 0.04),
)


def _series(kind: str, n: int, history: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """(values over n months, first month with history) for one series."""
    t = np.arange(n)
    level = 10 ** rng.uniform(0, 5)
    season = 1 + rng.uniform(0.1, 0.5) * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
    start = 0
    if kind == "seasonal":
        y = level * (1 + rng.normal(0, 0.01) * t) * season * (1 + rng.normal(0, rng.uniform(0.03, 0.2), n))
    elif kind == "trend":
        y = level * (1 + rng.uniform(-0.015, 0.04) * t) * (1 + rng.normal(0, 0.08, n))
    elif kind == "level_shift":
        shift = rng.integers(n // 3, n - 8)
        y = level * np.where(t < shift, 1.0, rng.choice([0.5, 1.8])) * (1 + rng.normal(0, 0.08, n))
        y *= season if rng.random() < 0.5 else 1.0
    elif kind == "erratic":
        y = level * season * rng.lognormal(0, 0.6, n)
    elif kind in ("intermittent", "lumpy"):
        p = rng.uniform(0.1, 0.6)
        size = rng.gamma(2.0, rng.uniform(1, 20), n) if kind == "intermittent" else rng.lognormal(1, 1.2, n)
        y = (rng.random(n) < p) * np.ceil(size)
    elif kind == "short":
        start = history - int(rng.integers(1, min(25, history + 1)))  # 1..24 months of history
        y = level * (1 + rng.normal(0, 0.15, n))
    else:  # dying: demand fades out
        stop = rng.integers(n // 2, n)
        y = level * np.clip(1 - (t - stop + 12) / 12, 0, 1) * (1 + rng.normal(0, 0.1, n))
    scale = 10.0 ** rng.integers(-2, 4) if rng.random() < 0.1 else 1.0  # odd magnitudes
    y = np.clip(y * scale, 0, None)
    decimals = 2 if (scale < 1 or rng.random() < 0.3) else 0
    return np.round(y, decimals), start


def generate(series: int, history: int, holdout: int, seed: int = 20240) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    names = [k for k, _ in KINDS]
    kinds = rng.choice(names, size=series, p=[s for _, s in KINDS])
    n = history + holdout
    months = pd.period_range("2022-01", periods=n, freq="M").strftime("%Y-%m").to_numpy()
    hist, hold = [], []
    for i, kind in enumerate(kinds):
        y, start = _series(kind, n, history, rng)
        sid = f"{kind[:3].upper()}-{i:05d}"
        hist.append(pd.DataFrame({"series": sid, "period": months[start:history], "quantity": y[start:history]}))
        hold.append(pd.DataFrame({"series": sid, "period": months[history:], "quantity": y[history:]}))
    return pd.concat(hist, ignore_index=True), pd.concat(hold, ignore_index=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", type=int, default=5000)
    p.add_argument("--history", type=int, default=36)
    p.add_argument("--holdout", type=int, default=24)
    p.add_argument("--seed", type=int, default=20240)
    p.add_argument("--out", default="var/bench/forecast")
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    hist, hold = generate(a.series, a.history, a.holdout, a.seed)
    hist.to_csv(os.path.join(a.out, "history.csv"), index=False)
    hold.to_csv(os.path.join(a.out, "holdout.csv"), index=False)
    print(f"{a.series} series, {len(hist)} history rows, {len(hold)} holdout rows -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
