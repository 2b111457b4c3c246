"""Compare LP algorithms on one generated problem, in process.

    python -m bench.optimizer.algorithms M --methods simplex ipm glop pdlp

Prints per method: wall seconds of solve_lp, of which building the MathOpt
proto from the arrays, the solver's own clock (MathOpt's solve_time), the
objective and its relative difference to the best one, and the largest
constraint violation of the returned point.
"""

from __future__ import annotations

import argparse
import os
import time

from optimizer.engine.backend import solve_lp
from optimizer.engine.model import build
from optimizer.engine.normalize import normalize
from optimizer.engine.schema import validate

from .generate import SIZES, generate_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("size", choices=sorted(SIZES))
    ap.add_argument("--methods", nargs="+", default=["simplex", "ipm", "glop"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=600)
    args = ap.parse_args(argv)
    doc = generate_size(args.size, seed=args.seed)
    t = time.perf_counter()
    d = normalize(doc, validate(doc))
    model = build(d)
    model.lp.arrays()
    print(
        f"# {args.size}: {model.lp.n:,} variables, {model.lp.m:,} rows, {model.lp.nnz:,} nonzeros; "
        f"validate+normalize+build {time.perf_counter() - t:.2f} s; load {os.getloadavg()[0]:.2f}"
    )
    print(
        "| method | status | wall s | proto build s | solver clock s | wrapper overhead s | objective | rel. diff | max violation |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for method in args.methods:
        res = solve_lp(model.lp, method, relax=True, time_limit=args.time_limit)
        viol = model.lp.max_violation(res.x) if res.x is not None else float("nan")
        rows.append((method, res, viol))
    # Reference: the first basis-ending method that proved optimality (PDLP is first order, not exact).
    best = next((r.primal_bound for m, r, _ in rows if r.status == "optimal" and m != "pdlp"), float("nan"))
    for method, res, viol in rows:
        diff = abs(res.primal_bound - best) / max(1.0, abs(best))
        overhead = res.seconds - res.native_seconds
        print(
            f"| {method} | {res.status} | {res.seconds:.2f} | {res.build_seconds:.3f} | {res.native_seconds:.2f} | "
            f"{overhead:.3f} | {res.primal_bound:,.2f} | {diff:.1e} | {viol:.1e} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
