"""Random `sop-problem/1` documents at benchmark sizes (FPGA-like economics).

Sizes are families x months x resources x channels x components:

    S  20 x 18 x  5 x 3 x  10      M  100 x 24 x 10 x 3 x  30
    L 500 x 36 x 20 x 4 x 100      XL 2000 x 36 x 40 x 4 x 300

``mip=True`` puts an MOQ (and an order cost) on 20% of the contract supply
options, which makes the model a MIP.

    python -m bench.optimizer.generate L --mip --seed 1 > L-mip.json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

SIZES: dict[str, tuple[int, int, int, int, int]] = {
    "S": (20, 18, 5, 3, 10),
    "M": (100, 24, 10, 3, 30),
    "L": (500, 36, 20, 4, 100),
    "XL": (2000, 36, 40, 4, 300),
}

CHANNELS = [
    # code, price factor, backlog_cost (share of price), lost_sale_cost (share), min_fill_rate
    ("direct", 1.00, 0.02, None, 0.90),
    ("distributor", 0.85, 0.015, 0.05, 0.0),
    ("ecommerce", 0.75, None, 0.0, 0.0),
    ("retail", 0.80, None, 0.02, 0.0),
]


def _r(x: float, nd: int = 2) -> float:
    return float(round(float(x), nd))


def generate(
    n_f: int,
    n_t: int,
    n_r: int,
    n_c: int,
    n_k: int,
    *,
    seed: int = 0,
    mip: bool = False,
    price_options: bool = True,
    workforce: bool = True,
    working_capital: bool = False,
) -> dict[str, Any]:
    """A random but economically sensible problem document."""
    rng = np.random.default_rng(seed)
    periods = [f"{2027 + (m // 12)}-{m % 12 + 1:02d}" for m in range(n_t)]
    season = 1.0 + 0.25 * np.sin(2 * np.pi * (np.arange(n_t) + 3) / 12)
    price = rng.uniform(50, 500, n_f)
    fams = []
    for f in range(n_f):
        fam: dict[str, Any] = {
            "code": f"F{f:04d}",
            "price": _r(price[f]),
            "material_cost": _r(price[f] * rng.uniform(0.10, 0.25)),
            "holding_cost": _r(price[f] * rng.uniform(0.01, 0.02), 3),
            "initial_inventory": _r(rng.uniform(0, 50), 0),
        }
        if rng.random() < 0.3:
            fam["subcontract"] = {
                "cost": _r(price[f] * rng.uniform(0.6, 0.9)),
                "capacity": _r(rng.uniform(10, 40), 0),
            }
        if rng.random() < 0.3:
            fam["safety_stock"] = _r(rng.uniform(5, 30), 0)
            fam["safety_stock_shortfall_cost"] = _r(price[f] * 0.05)
        if rng.random() < 0.2:
            fam["min_ending_inventory"] = _r(rng.uniform(5, 20), 0)
        fams.append(fam)
    chans = []
    for code, _pf, bc, lc, fill in CHANNELS[:n_c]:
        ch: dict[str, Any] = {
            "code": code,
            "backlog_cost": None if bc is None else _r(bc * 200),
            "lost_sale_cost": None if lc is None else _r(lc * 200),
        }
        if fill:
            ch["min_fill_rate"] = fill
        chans.append(ch)
    demand = []
    base = rng.uniform(20, 200, (n_f, n_c)) * np.array([0.5, 0.3, 0.2, 0.15][:n_c])
    for f in range(n_f):
        for c in range(n_c):
            code, pf = CHANNELS[c][0], CHANNELS[c][1]
            for t in range(n_t):
                q = max(0.0, base[f, c] * season[t] * rng.normal(1.0, 0.15))
                line: dict[str, Any] = {"family": fams[f]["code"], "channel": code, "period": periods[t]}
                if price_options and CHANNELS[c][2] is None and rng.random() < 0.1:
                    p = price[f] * pf
                    line["price_options"] = [
                        {"price": _r(p * 0.9), "quantity": _r(q * 1.25, 1)},
                        {"price": _r(p), "quantity": _r(q, 1)},
                        {"price": _r(p * 1.1), "quantity": _r(q * 0.7, 1)},
                    ]
                else:
                    line["quantity"] = _r(q, 1)
                    if pf != 1.0:
                        line["price"] = _r(price[f] * pf)
                demand.append(line)
    # Routings: each family on 1-2 resources; capacity ~85% of average load.
    routings = []
    load = np.zeros(n_r)
    tot_dem = base.sum(axis=1)
    for f in range(n_f):
        for r in rng.choice(n_r, size=min(n_r, int(rng.integers(1, 3))), replace=False):
            h = _r(rng.uniform(0.2, 2.0), 3)
            routings.append({"family": fams[f]["code"], "resource": f"R{r:03d}", "hours_per_unit": h})
            load[r] += h * tot_dem[f]
    resources = []
    for r in range(n_r):
        cap = max(1.0, load[r] * rng.uniform(0.8, 0.95))
        res: dict[str, Any] = {"code": f"R{r:03d}", "regular_cost_per_hour": _r(rng.uniform(20, 40))}
        if workforce and r % 5 == 0:
            hpw = 160.0
            res["regular_cost_per_hour"] = 0
            res["workforce"] = {
                "initial": _r(cap / hpw, 0),
                "hours_per_worker": hpw,
                "cost_per_worker": _r(hpw * rng.uniform(20, 30)),
                "hire_cost": 1500.0,
                "layoff_cost": 2500.0,
                "min": _r(cap / hpw * 0.5, 0),
                "max": _r(cap / hpw * 1.5, 0),
            }
            res["overtime"] = {"cost_per_hour": 45.0, "max_hours_per_worker": 20.0}
        else:
            res["capacity"] = _r(cap, 1)
            res["overtime"] = {
                "cost_per_hour": _r(res["regular_cost_per_hour"] * 1.5),
                "max_hours": _r(cap * 0.15, 1),
            }
        resources.append(res)
    # Components: contract (lead 2, tariff step mid-horizon), spot, air freight.
    comps, bom = [], []
    comp_price = rng.uniform(1, 8, n_k)
    comp_use = np.zeros(n_k)
    for f in range(n_f):
        for k in rng.choice(n_k, size=min(n_k, int(rng.integers(1, 4))), replace=False):
            qpu = _r(rng.uniform(1, 3), 0)
            bom.append({"family": fams[f]["code"], "component": f"K{k:03d}", "quantity_per_unit": qpu})
            comp_use[k] += qpu * tot_dem[f]
    for k in range(n_k):
        p = comp_price[k]
        step = int(rng.integers(n_t // 3, max(n_t // 3 + 1, 2 * n_t // 3)))
        contract_price = [_r(p if t < step else p * 1.25) for t in range(n_t)]
        contract: dict[str, Any] = {
            "code": "contract",
            "price": contract_price,
            "lead_time": 2,
            "capacity": _r(comp_use[k] * 1.1, 0),
        }
        if mip and rng.random() < 0.2:
            contract["moq"] = _r(comp_use[k] * rng.uniform(0.8, 1.5), 0)
            contract["order_cost"] = _r(rng.uniform(100, 500))
            contract["capacity"] = _r(comp_use[k] * 2.5, 0)
        comps.append(
            {
                "code": f"K{k:03d}",
                "initial_inventory": _r(comp_use[k] * 2, 0),
                "holding_cost": _r(p * 0.015, 3),
                "supply_options": [
                    contract,
                    {"code": "spot", "price": _r(p * 1.3), "lead_time": 1},
                    {
                        "code": "air",
                        "price": _r(p * 1.8),
                        "lead_time": 0,
                        "capacity": _r(comp_use[k] * 0.3, 0),
                    },
                ],
            }
        )
    doc: dict[str, Any] = {
        "format": "sop-problem/1",
        "name": f"random {n_f}x{n_t}x{n_r}x{n_c}x{n_k} seed {seed}",
        "currency": "USD",
        "periods": periods,
        "families": fams,
        "channels": chans,
        "demand": demand,
        "resources": resources,
        "routings": routings,
        "components": comps,
        "bom": bom,
        "policies": {},
    }
    if working_capital:
        doc["policies"]["working_capital_limit"] = _r(float(np.sum(price * 20)), 0)
    return doc


def generate_size(size: str, *, seed: int = 0, mip: bool = False, **kw: Any) -> dict[str, Any]:
    return generate(*SIZES[size], seed=seed, mip=mip, **kw)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("size", choices=sorted(SIZES))
    ap.add_argument("--mip", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    json.dump(generate_size(args.size, seed=args.seed, mip=args.mip), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
