"""An independent reference model of the contract (problem-format.md), for cross-checking the
engine. Written from the equations one variable at a time with OR-Tools' pywraplp (GLOP for LPs,
SCIP for MIPs): slow and obvious on purpose, sharing no code with optimizer/engine/.
Test-only; never used by the product.
"""
from __future__ import annotations

from ortools.linear_solver import pywraplp

INF = pywraplp.Solver.infinity()


def _pp(value, T, default=0.0):
    """A per-period value: scalar or list of length T; None -> default (which may be None)."""
    if value is None:
        return [default] * T
    if isinstance(value, list):
        return [default if v is None else float(v) for v in value]
    return [float(value)] * T


def solve_reference(doc: dict) -> dict:
    periods = doc["periods"]
    T = len(periods)
    pidx = {p: i for i, p in enumerate(periods)}
    fams = doc["families"]
    chans = doc.get("channels") or [{"code": "default"}]
    res = doc.get("resources", [])
    comps = doc.get("components", [])
    pol = doc.get("policies") or {}
    pen = float(pol.get("infeasibility_penalty", 1e7) if pol.get("infeasibility_penalty") is not None else 1e7)
    routings = doc.get("routings", [])
    bom = doc.get("bom", [])
    has_int = any(
        (o.get("moq") or 0) > 0 or (o.get("order_cost") or 0) > 0 for k in comps for o in k["supply_options"]
    ) or any((r.get("workforce") or {}).get("integer") for r in res)
    s = pywraplp.Solver.CreateSolver("SCIP" if has_int else "GLOP")
    obj = s.Objective()
    obj.SetMaximization()
    terms: list[tuple] = []  # (var, coef) for the objective

    def var(lb=0.0, ub=INF, integer=False, cost=0.0):
        v = s.IntVar(lb, ub, "") if integer else s.NumVar(lb, ub, "")
        if cost:
            terms.append((v, cost))
        return v

    def add(expr_terms, lo=-INF, hi=INF):
        ct = s.Constraint(lo, hi)
        for v, c in expr_terms:
            ct.SetCoefficient(v, ct.GetCoefficient(v) + c)
        return ct

    def slack():
        return var(cost=-pen)

    # component standard value: period-0 price of its first option
    comp_value = {k["code"]: _pp(k["supply_options"][0]["price"], T)[0] for k in comps}
    qpu = {}
    for b in bom:
        qpu[(b["family"], b["component"])] = qpu.get((b["family"], b["component"]), 0.0) + float(b["quantity_per_unit"])
    hpu = {}
    for r in routings:
        hpu[(r["family"], r["resource"])] = hpu.get((r["family"], r["resource"]), 0.0) + float(r["hours_per_unit"])

    # demand aggregation
    demand = {}  # (f,c,t) -> qty ; price per key
    dprice = {}
    options = {}  # (f,c,t) -> list of (price, qty)
    for line in doc.get("demand", []):
        key = (line["family"], line.get("channel", "default"), pidx[line["period"]])
        if line.get("price_options"):
            options.setdefault(key, []).append([(float(o["price"]), float(o["quantity"])) for o in line["price_options"]])
            continue
        demand[key] = demand.get(key, 0.0) + float(line["quantity"])
        if line.get("price") is not None:
            dprice[key] = float(line["price"])

    P, SC, INV = {}, {}, {}
    S, B, X = {}, {}, {}
    Dvar = {}
    for f in fams:
        fc = f["code"]
        price = _pp(f.get("price"), T)
        mat = float(f.get("material_cost") or 0)
        hold = float(f.get("holding_cost") or 0)
        maxp = _pp(f.get("max_production"), T, None)
        sub = f.get("subcontract")
        subcap = _pp(sub.get("capacity"), T, None) if sub else None
        for t in range(T):
            P[fc, t] = var(ub=INF if maxp[t] is None else maxp[t], cost=-mat)
            if sub:
                SC[fc, t] = var(ub=INF if subcap[t] is None else subcap[t], cost=-float(sub["cost"]))
            INV[fc, t] = var(cost=-hold)
        for ch in chans:
            cc = ch["code"]
            bc = ch.get("backlog_cost")
            lc = ch.get("lost_sale_cost", 0.0)
            for t in range(T):
                key = (fc, cc, t)
                shipped_terms = []
                if key in options:
                    dterms = []
                    for opt in options[key]:
                        lams = [var(ub=1.0) for _ in opt]
                        add([(lam, 1.0) for lam in lams], 1.0, 1.0)
                        for lam, (p, q) in zip(lams, opt, strict=True):
                            sk = var(cost=p)
                            add([(sk, 1.0), (lam, -q)], hi=0.0)
                            shipped_terms.append(sk)
                            dterms.append((lam, q))
                    dv = var()
                    add([(dv, 1.0)] + [(lam, -q) for lam, q in dterms], 0.0, 0.0)
                    Dvar[key] = dv
                    sv = var()
                    add([(sv, 1.0)] + [(sk, -1.0) for sk in shipped_terms], 0.0, 0.0)
                    S[key] = sv
                else:
                    p = dprice.get(key, price[t])
                    S[key] = var(cost=p)
                B[key] = var(ub=0.0 if bc is None else INF, cost=-(bc or 0.0))
                X[key] = var(ub=0.0 if lc is None else INF, cost=-(lc or 0.0))
        # balances
        init_b = f.get("initial_backlog") or {}
        for t in range(T):
            row = [(INV[fc, t], 1.0), (P[fc, t], -1.0)]
            if (fc, t) in SC:
                row.append((SC[fc, t], -1.0))
            row += [(S[fc, ch["code"], t], 1.0) for ch in chans]
            prev = float(f.get("initial_inventory") or 0) if t == 0 else 0.0
            if t > 0:
                row.append((INV[fc, t - 1], -1.0))
            add(row, prev, prev)
            for ch in chans:
                cc = ch["code"]
                key = (fc, cc, t)
                row = [(B[key], 1.0), (S[key], 1.0), (X[key], 1.0)]
                rhs = float(init_b.get(cc, 0.0)) if t == 0 else 0.0
                if t > 0:
                    row.append((B[fc, cc, t - 1], -1.0))
                if key in Dvar:
                    row.append((Dvar[key], -1.0))
                else:
                    rhs += demand.get(key, 0.0)
                add(row, rhs, rhs)
        mei = float(f.get("min_ending_inventory") or 0)
        if mei > 0:
            add([(INV[fc, T - 1], 1.0), (slack(), 1.0)], lo=mei)
        ss = _pp(f.get("safety_stock"), T)
        ssc = f.get("safety_stock_shortfall_cost")
        for t in range(T):
            if ss[t] > 0:
                short = var(cost=-float(ssc)) if ssc is not None else slack()
                add([(INV[fc, t], 1.0), (short, 1.0)], lo=ss[t])
    for ch in chans:
        cc = ch["code"]
        meb = ch.get("max_ending_backlog")
        if meb is not None and ch.get("backlog_cost") is not None:
            for f in fams:
                add([(B[f["code"], cc, T - 1], 1.0), (slack(), -1.0)], hi=float(meb))
        mfr = float(ch.get("min_fill_rate") or 0)
        if mfr > 0:
            orow, total = [], 0.0
            for f in fams:
                for t in range(T):
                    key = (f["code"], cc, t)
                    o = var()
                    add([(o, 1.0), (S[key], -1.0)], hi=0.0)
                    if key in Dvar:
                        add([(o, 1.0), (Dvar[key], -1.0)], hi=0.0)
                        orow.append((Dvar[key], -mfr))
                    else:
                        add([(o, 1.0)], hi=demand.get(key, 0.0))
                        total += demand.get(key, 0.0)
                    orow.append((o, 1.0))
            orow.append((slack(), 1.0))
            add(orow, lo=mfr * total)
    # resources
    for r in res:
        rc = r["code"]
        rcph = float(r.get("regular_cost_per_hour") or 0)
        wf = r.get("workforce")
        ot = r.get("overtime")
        W = H = L = None
        if wf:
            integer = bool(wf.get("integer"))
            W = [var(integer=integer, cost=-float(wf.get("cost_per_worker") or 0)) for _ in range(T)]
            H = [var(integer=integer, cost=-float(wf.get("hire_cost") or 0)) for _ in range(T)]
            L = [var(integer=integer, cost=-float(wf.get("layoff_cost") or 0)) for _ in range(T)]
            for t in range(T):
                row = [(W[t], 1.0), (H[t], -1.0), (L[t], 1.0)]
                rhs = float(wf.get("initial") or 0) if t == 0 else 0.0
                if t > 0:
                    row.append((W[t - 1], -1.0))
                add(row, rhs, rhs)
                if wf.get("min") is not None:
                    add([(W[t], 1.0), (slack(), 1.0)], lo=float(wf["min"]))
                if wf.get("max") is not None:
                    add([(W[t], 1.0), (slack(), -1.0)], hi=float(wf["max"]))
        cap = _pp(r.get("capacity"), T) if not wf else None
        for t in range(T):
            used = [(P[f["code"], t], hpu[(f["code"], rc)]) for f in fams if (f["code"], rc) in hpu]
            OT = None
            if ot:
                OT = var(cost=-float(ot.get("cost_per_hour") or 0))
                if wf and ot.get("max_hours_per_worker") is not None:
                    add([(OT, 1.0), (W[t], -float(ot["max_hours_per_worker"]))], hi=0.0)
                elif ot.get("max_hours") is not None:
                    mh = _pp(ot["max_hours"], T)
                    add([(OT, 1.0)], hi=mh[t])
            row = list(used)
            if OT is not None:
                row.append((OT, -1.0))
                # overtime hours are hours used beyond the regular ones: never more than used
                add([(OT, 1.0)] + [(v, -c) for v, c in used], hi=0.0)
            if wf:
                row.append((W[t], -float(wf["hours_per_worker"])))
                add(row, hi=0.0)
            else:
                add(row, hi=cap[t])
            if rcph:
                # regular hours used = hours used - overtime
                for v, c in used:
                    terms.append((v, -rcph * c))
                if OT is not None:
                    terms.append((OT, rcph))
    # components
    CI = {}
    for k in comps:
        kc = k["code"]
        rec = _pp(k.get("scheduled_receipts"), T)
        kh = float(k.get("holding_cost") or 0)
        arrivals = {t: [] for t in range(T)}
        for o in k["supply_options"]:
            price = _pp(o["price"], T)
            lead = int(o.get("lead_time") or 0)
            capo = _pp(o.get("capacity"), T, None)
            moq = float(o.get("moq") or 0)
            oc = float(o.get("order_cost") or 0)
            for t in range(T):
                if t + lead > T - 1:
                    continue
                q = var(ub=INF if capo[t] is None else capo[t], cost=-price[t])
                if moq > 0 or oc > 0:
                    y = var(ub=1.0, integer=True, cost=-oc)
                    big = capo[t] if capo[t] is not None else 1e6
                    add([(q, 1.0), (y, -big)], hi=0.0)
                    if moq > 0:
                        add([(q, 1.0), (y, -moq)], lo=0.0)
                arrivals[t + lead].append(q)
        for t in range(T):
            CI[kc, t] = var(cost=-kh)
            row = [(CI[kc, t], 1.0)] + [(q, -1.0) for q in arrivals[t]]
            row += [(P[f["code"], t], qpu[(f["code"], kc)]) for f in fams if (f["code"], kc) in qpu]
            rhs = rec[t] + (float(k.get("initial_inventory") or 0) if t == 0 else 0.0)
            if t > 0:
                row.append((CI[kc, t - 1], -1.0))
            add(row, rhs, rhs)
    limit = _pp(pol.get("working_capital_limit"), T, None)
    for t in range(T):
        if limit[t] is None:
            continue
        row = []
        for f in fams:
            uv = f.get("unit_value")
            if uv is None:
                uv = float(f.get("material_cost") or 0) + sum(
                    qpu[(f["code"], k["code"])] * comp_value[k["code"]] for k in comps if (f["code"], k["code"]) in qpu
                )
            row.append((INV[f["code"], t], float(uv)))
        row += [(CI[k["code"], t], comp_value[k["code"]]) for k in comps]
        row.append((slack(), -1.0))
        add(row, hi=limit[t])
    for v, c in terms:
        obj.SetCoefficient(v, obj.GetCoefficient(v) + c)
    if has_int:
        s.SetSolverSpecificParametersAsString("limits/gap = 1e-9")
    status = s.Solve()
    if status not in (pywraplp.Solver.OPTIMAL,):
        return {"status": "error", "code": status}
    return {"status": "optimal", "profit": obj.Value(), "mip": has_int}
