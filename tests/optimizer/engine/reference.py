"""An independent reference model: the contract's equations transcribed one
variable at a time with MathOpt's Python API, straight from the JSON document
(no reformulation: B and X exist everywhere with zero bounds where the contract
forbids them, O exists for every key of a fill-rate channel, regular hours are
a variable). Used to check the engine's profit on random documents."""

from __future__ import annotations

import math
from typing import Any

from ortools.math_opt.python import mathopt


def _pp(value: Any, t: int, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, list):
        v = value[t]
        return default if v is None else float(v)
    return float(value)


def reference_profit(
    doc: dict[str, Any], gap: float = 1e-9, debug: dict | None = None, relax: bool = False
) -> float:
    """The optimal profit (``relax``: of the LP relaxation, an upper bound for a MIP)."""
    periods = doc["periods"]
    T = range(len(periods))  # noqa: N806
    last = len(periods) - 1
    fams = doc["families"]
    chans = doc.get("channels") or [{"code": "default"}]
    ress = doc.get("resources") or []
    comps = doc.get("components") or []
    pen = (doc.get("policies") or {}).get("infeasibility_penalty") or 1e7
    m = mathopt.Model(name="reference")
    inf = math.inf
    obj = 0.0

    def var(lb: float = 0.0, ub: float = inf, integer: bool = False) -> Any:
        return m.add_integer_variable(lb=lb, ub=ub) if integer and not relax else m.add_variable(lb=lb, ub=ub)

    # Demand and price per key; option lines separately.
    D: dict = {}
    rev: dict = {}
    override: dict = {}
    options: list = []
    for line in doc.get("demand") or []:
        key = (line["family"], line.get("channel", chans[0]["code"]), periods.index(line["period"]))
        if "price_options" in line:
            options.append((key, line["price_options"]))
            continue
        fam = next(f for f in fams if f["code"] == key[0])
        lp = _pp(fam.get("price", 0), key[2], 0.0)
        D[key] = D.get(key, 0.0) + line["quantity"]
        rev[key] = rev.get(key, 0.0) + line["quantity"] * (lp if line.get("price") is None else line["price"])
        if line.get("price") is not None:
            override[key] = line["price"]

    P, SC, I, S, B, X = {}, {}, {}, {}, {}, {}  # noqa: E741
    for f in fams:
        fc = f["code"]
        sub = f.get("subcontract")
        for t in T:
            P[fc, t] = var(ub=_pp(f.get("max_production"), t, inf))
            SC[fc, t] = var(ub=0.0 if sub is None else _pp(sub.get("capacity"), t, inf))
            I[fc, t] = var()
            obj -= f.get("material_cost", 0.0) * P[fc, t] + f.get("holding_cost", 0.0) * I[fc, t]
            if sub is not None:
                obj -= sub["cost"] * SC[fc, t]
            for c in chans:
                cc = c["code"]
                S[fc, cc, t] = var()
                B[fc, cc, t] = var(ub=0.0 if c.get("backlog_cost") is None else inf)
                X[fc, cc, t] = var(ub=0.0 if c.get("lost_sale_cost", 0.0) is None else inf)
                key = (fc, cc, t)
                if D.get(key, 0) > 0:
                    price = rev[key] / D[key]
                elif key in override:
                    price = override[key]
                else:
                    price = _pp(f.get("price", 0), t, 0.0)
                obj += price * S[key]
                obj -= (c.get("backlog_cost") or 0.0) * B[key] + (c.get("lost_sale_cost", 0.0) or 0.0) * X[
                    key
                ]

    # Price options: per line weights, per option shipments.
    opt_dem: dict = {}
    opt_ship: dict = {}
    for key, opts in options:
        lam = [var(ub=1.0) for _ in opts]
        sk = [var() for _ in opts]
        m.add_linear_constraint(sum(lam) == 1.0)
        for o, lv, sv in zip(opts, lam, sk, strict=True):
            m.add_linear_constraint(sv <= o["quantity"] * lv)
            obj += o["price"] * sv
        line_dem = sum(o["quantity"] * lv for o, lv in zip(opts, lam, strict=True))
        opt_dem[key] = opt_dem.get(key, 0.0) + line_dem
        opt_ship[key] = opt_ship.get(key, 0.0) + sum(sk)
        lost_cost = next(c for c in chans if c["code"] == key[1]).get("lost_sale_cost", 0.0)
        obj -= lost_cost * (line_dem - sum(sk))

    viol = 0.0
    for f in fams:
        fc = f["code"]
        b0 = f.get("initial_backlog") or {}
        for t in T:
            prev = I[fc, t - 1] if t else f.get("initial_inventory", 0.0)
            ship = sum(S[fc, c["code"], t] + opt_ship.get((fc, c["code"], t), 0.0) for c in chans)
            m.add_linear_constraint(I[fc, t] == prev + P[fc, t] + SC[fc, t] - ship)
            for c in chans:
                cc = c["code"]
                # Option-line demand is served only by its own per-option shipments (S_k <= lam q).
                bprev = B[fc, cc, t - 1] if t else b0.get(cc, 0.0)
                m.add_linear_constraint(
                    B[fc, cc, t] == bprev + D.get((fc, cc, t), 0.0) - S[fc, cc, t] - X[fc, cc, t]
                )
            target = _pp(f.get("safety_stock", 0.0), t, 0.0)
            if target > 0:
                short = var()
                m.add_linear_constraint(I[fc, t] + short >= target)
                cost = f.get("safety_stock_shortfall_cost")
                obj -= (pen if cost is None else cost) * short
        mei = f.get("min_ending_inventory", 0.0)
        if mei > 0:
            s = var()
            m.add_linear_constraint(I[fc, last] + s >= mei)
            viol += s
        for c in chans:
            if c.get("max_ending_backlog") is not None:
                s = var()
                m.add_linear_constraint(B[fc, c["code"], last] - s <= c["max_ending_backlog"])
                viol += s

    for c in chans:
        mfr = c.get("min_fill_rate") or 0.0
        if mfr <= 0:
            continue
        on_time, total = 0.0, 0.0
        for f in fams:
            for t in T:
                key = (f["code"], c["code"], t)
                d = D.get(key, 0.0) + opt_dem.get(key, 0.0)
                o = var()
                m.add_linear_constraint(o <= d)
                m.add_linear_constraint(o <= S[key] + opt_ship.get(key, 0.0))
                on_time += o
                total += d
        s = var()
        m.add_linear_constraint(on_time + s >= mfr * total)
        viol += s

    routing: dict = {}
    for rt in doc.get("routings") or []:
        routing[rt["family"], rt["resource"]] = (
            routing.get((rt["family"], rt["resource"]), 0.0) + rt["hours_per_unit"]
        )
    for r in ress:
        rc = r["code"]
        wf, ot = r.get("workforce"), r.get("overtime")
        W = None
        for t in T:
            hours = sum(h * P[fc, t] for (fc, rr), h in routing.items() if rr == rc)
            RH = var()  # regular hours used
            OT = var(ub=0.0 if ot is None else _pp(ot.get("max_hours"), t, inf))
            m.add_linear_constraint(hours == RH + OT)
            obj -= r.get("regular_cost_per_hour", 0.0) * RH
            if ot is not None:
                obj -= ot["cost_per_hour"] * OT
            if wf is None:
                m.add_linear_constraint(RH <= _pp(r["capacity"], t, 0.0))
            else:
                integer = bool(wf.get("integer"))
                Wt, H, L = var(integer=integer), var(integer=integer), var(integer=integer)
                m.add_linear_constraint(Wt == (W if W is not None else wf.get("initial", 0.0)) + H - L)
                W = Wt
                m.add_linear_constraint(RH <= wf["hours_per_worker"] * Wt)
                if ot is not None and ot.get("max_hours_per_worker") is not None:
                    m.add_linear_constraint(OT <= ot["max_hours_per_worker"] * Wt)
                obj -= (
                    wf.get("cost_per_worker", 0.0) * Wt
                    + wf.get("hire_cost", 0.0) * H
                    + wf.get("layoff_cost", 0.0) * L
                )
                lo, hi = _pp(wf.get("min"), t, 0.0), _pp(wf.get("max"), t, inf)
                if lo > 0:
                    s = var()
                    m.add_linear_constraint(Wt + s >= lo)
                    viol += s
                if hi < inf:
                    s = var()
                    m.add_linear_constraint(Wt - s <= hi)
                    viol += s

    bom: dict = {}
    for line in doc.get("bom") or []:
        bom[line["family"], line["component"]] = (
            bom.get((line["family"], line["component"]), 0.0) + line["quantity_per_unit"]
        )

    def max_need(kc: str) -> float:
        # A tight big-M: a loose one (1e6) lets y = 1e-6 pass as integral and
        # order ~1 unit for free within the MIP integrality tolerance.
        units = sum(line.get("quantity", 0.0) for line in doc.get("demand") or [])
        units += sum(
            max(o["quantity"] for o in line["price_options"])
            for line in doc.get("demand") or []
            if "price_options" in line
        )
        units += sum(
            sum((f.get("initial_backlog") or {}).values())
            + f.get("min_ending_inventory", 0.0)
            + max([_pp(f.get("safety_stock", 0.0), t, 0.0) for t in T])
            for f in fams
        )
        return units * max([q for (_, kk), q in bom.items() if kk == kc], default=0.0)

    value = {
        k["code"]: (_pp(k["supply_options"][0]["price"], 0, 0.0) if k["supply_options"] else 0.0)
        for k in comps
    }
    CI = {}
    for k in comps:
        kc = k["code"]
        Q: dict = {}
        for o in k["supply_options"]:
            lead = o.get("lead_time", 0)
            for t in T:
                if t + lead > last:
                    continue
                cap = _pp(o.get("capacity"), t, inf)
                q = var(ub=cap)
                Q[o["code"], t] = q
                obj -= _pp(o["price"], t, 0.0) * q
                moq, oc = o.get("moq", 0.0), o.get("order_cost", 0.0)
                if moq > 0 or oc > 0:
                    y = m.add_variable(lb=0.0, ub=1.0) if relax else m.add_binary_variable()
                    big = cap if cap < inf else max(moq, max_need(kc))
                    m.add_linear_constraint(q <= big * y)
                    m.add_linear_constraint(q >= moq * y)
                    obj -= oc * y
        for t in T:
            CI[kc, t] = var()
            prev = CI[kc, t - 1] if t else k.get("initial_inventory", 0.0)
            arrivals = sum(
                Q[o["code"], t - o.get("lead_time", 0)]
                for o in k["supply_options"]
                if (o["code"], t - o.get("lead_time", 0)) in Q
            )
            use = sum(q * P[fc, t] for (fc, kk), q in bom.items() if kk == kc)
            m.add_linear_constraint(
                CI[kc, t] == prev + arrivals + _pp(k.get("scheduled_receipts", 0.0), t, 0.0) - use
            )
            obj -= k.get("holding_cost", 0.0) * CI[kc, t]

    limit = (doc.get("policies") or {}).get("working_capital_limit")
    if limit is not None:
        for t in T:
            lim = _pp(limit, t, inf)
            if lim == inf:
                continue
            total = 0.0
            for f in fams:
                uv = f.get("unit_value")
                if uv is None:
                    uv = f.get("material_cost", 0.0) + sum(
                        q * value[kk] for (fc, kk), q in bom.items() if fc == f["code"]
                    )
                total += uv * I[f["code"], t]
            total += sum(value[k["code"]] * CI[k["code"], t] for k in comps)
            s = var()
            m.add_linear_constraint(total - s <= lim)
            viol += s

    m.maximize(obj - pen * viol)
    params = mathopt.SolveParameters(relative_gap_tolerance=gap, absolute_gap_tolerance=1e-7)
    result = mathopt.solve(m, mathopt.SolverType.HIGHS, params=params)
    assert result.termination.reason == mathopt.TerminationReason.OPTIMAL, result.termination
    if debug is not None:
        debug.update(
            {
                name: {k: result.variable_values(v) for k, v in block.items()}
                for name, block in (("P", P), ("S", S), ("B", B), ("X", X), ("I", I), ("SC", SC))
            }
        )
    return result.objective_value()
