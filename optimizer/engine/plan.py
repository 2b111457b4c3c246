"""Assemble the plan document (`sop-plan/1`) from an :class:`Evaluation`."""

from __future__ import annotations

from typing import Any

import numpy as np

from .finance import COST_KEYS, Decisions, Evaluation
from .normalize import Data

PLAN_FORMAT = "sop-plan/1"


def clean(a: np.ndarray, tol: float = 1e-9) -> list:
    """Nested lists of floats with solver noise (|v| < tol) shown as 0."""
    a = np.asarray(a, dtype=float)
    return np.where(np.abs(a) < tol, 0.0, a).tolist()


def objective(ev: Evaluation) -> dict[str, Any]:
    costs = {k: float(ev.costs[k]) for k in COST_KEYS}
    total = float(sum(costs.values()))
    return {
        "profit": float(ev.revenue) - total,
        "revenue": float(ev.revenue),
        "total_cost": total,
        "costs": costs,
    }


def _families(d: Data, x: Decisions, ev: Evaluation) -> list[dict[str, Any]]:
    per, chans = d.periods, d.channels
    P, SC, I = clean(x.P), clean(x.SC), clean(ev.I)  # noqa: E741
    ship = clean(ev.shipments.transpose(0, 2, 1))
    back = clean(ev.B.transpose(0, 2, 1))
    lost = clean(ev.lost.transpose(0, 2, 1))
    dem = clean(ev.demand.transpose(0, 2, 1))
    ssh = clean(ev.ss_short)
    out = []
    for f, code in enumerate(d.families):
        periods = []
        for t, p in enumerate(per):
            periods.append(
                {
                    "period": p,
                    "production": P[f][t],
                    "subcontract": SC[f][t],
                    "inventory": I[f][t],
                    "shipments": dict(zip(chans, ship[f][t], strict=True)),
                    "backlog": dict(zip(chans, back[f][t], strict=True)),
                    "lost": dict(zip(chans, lost[f][t], strict=True)),
                    "safety_stock_shortfall": ssh[f][t],
                    "demand": dict(zip(chans, dem[f][t], strict=True)),
                }
            )
        out.append({"code": code, "periods": periods})
    return out


def _resources(d: Data, x: Decisions, ev: Evaluation, shadow: np.ndarray | None) -> list[dict[str, Any]]:
    hours, reg, ot = clean(ev.hours), clean(ev.regular), clean(x.OT)
    W, H, L = clean(x.W), clean(x.H), clean(x.L)
    with np.errstate(divide="ignore", invalid="ignore"):
        util_a = np.where(ev.regular > 1e-9, ev.hours / np.where(ev.regular > 1e-9, ev.regular, 1.0), np.nan)
    util_a = np.where(np.isnan(util_a) & (ev.hours <= 1e-9), 0.0, util_a)
    util = [[None if np.isnan(u) else float(u) for u in row] for row in util_a]
    sp = clean(np.zeros_like(ev.hours) if shadow is None else shadow)
    out = []
    for r, code in enumerate(d.resources):
        out.append(
            {
                "code": code,
                "periods": [
                    {
                        "period": p,
                        "hours_used": hours[r][t],
                        "regular_hours": reg[r][t],
                        "overtime_hours": ot[r][t],
                        "workers": W[r][t],
                        "hires": H[r][t],
                        "layoffs": L[r][t],
                        "utilization": util[r][t],
                        "shadow_price": sp[r][t],
                    }
                    for t, p in enumerate(d.periods)
                ],
            }
        )
    return out


def _components(d: Data, x: Decisions, ev: Evaluation) -> list[dict[str, Any]]:
    Q, CI = clean(x.Q), clean(ev.CI)
    by_comp: dict[int, list[int]] = {}
    for s, k in enumerate(d.so_comp.tolist()):
        by_comp.setdefault(k, []).append(s)
    out = []
    for k, code in enumerate(d.components):
        opts = by_comp.get(k, [])
        out.append(
            {
                "code": code,
                "periods": [
                    {"period": p, "orders": {d.so_codes[s]: Q[s][t] for s in opts}, "inventory": CI[k][t]}
                    for t, p in enumerate(d.periods)
                ],
            }
        )
    return out


def price_choices(d: Data, x: Decisions) -> list[dict[str, Any]]:
    """One entry per demand line with price options: weights chosen, shipped, realised price."""
    out = []
    for line in range(len(d.pl_f)):
        opts = np.flatnonzero(d.po_line == line)
        lam, sk = x.LAM[opts], x.SK[opts]
        shipped = float(sk.sum())
        out.append(
            {
                "family": d.families[d.pl_f[line]],
                "channel": d.channels[d.pl_c[line]],
                "period": d.periods[d.pl_t[line]],
                "options": [
                    {
                        "price": float(d.po_price[o]),
                        "quantity": float(d.po_qty[o]),
                        "weight": float(lam[i]),
                        "shipped": float(sk[i]),
                    }
                    for i, o in enumerate(opts)
                ],
                "demand": float(lam @ d.po_qty[opts]),
                "shipped": shipped,
                "average_price": float(d.po_price[opts] @ sk / shipped) if shipped > 1e-9 else None,
            }
        )
    return out


def assemble(
    d: Data,
    x: Decisions,
    ev: Evaluation,
    *,
    status: str,
    solver: dict[str, Any],
    shadow: np.ndarray | None,
    explanations: list[str],
    extras: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The plan document; ``extras`` adds optional top-level keys."""
    plan: dict[str, Any] = {
        "format": PLAN_FORMAT,
        "problem": d.name,
        "status": status,
        "solver": solver,
        "objective": objective(ev),
        "families": _families(d, x, ev),
        "resources": _resources(d, x, ev, shadow),
        "components": _components(d, x, ev),
        "violations": ev.violations,
        "explanations": explanations,
    }
    if len(d.pl_f):
        plan["price_choice"] = price_choices(d, x)
    plan["on_time"] = {
        c: {
            "shipped_on_time": float(ev.on_time[i]),
            "demand": float(ev.demand[:, i].sum()),
            "fill_rate": float(ev.on_time[i] / ev.demand[:, i].sum()) if ev.demand[:, i].sum() > 0 else None,
            "min_fill_rate": float(d.min_fill[i]),
        }
        for i, c in enumerate(d.channels)
    }
    if d.warnings:
        plan["warnings"] = list(d.warnings)
    if extras:
        plan.update(extras)
    return plan


def error_plan(name: str, message: str, solver: dict[str, Any] | None = None) -> dict[str, Any]:
    """A plan with status ``error``: the reason, no numbers."""
    return {
        "format": PLAN_FORMAT,
        "problem": name,
        "status": "error",
        "message": message,
        "solver": solver or {"name": "", "version": "", "seconds": 0.0, "gap": None},
        "objective": None,
        "families": [],
        "resources": [],
        "components": [],
        "violations": [],
        "explanations": [message],
    }
