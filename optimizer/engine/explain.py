"""Explanations in business words, derived from the plan's numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from .finance import Decisions, Evaluation
from .normalize import Data

MAX_ITEMS = 5


def money(v: float, cur: str) -> str:
    return f"{v:,.2f} {cur}".strip()


def units(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2f}"


def capacity(d: Data, shadow: np.ndarray | None, ev: Evaluation) -> list[str]:
    """Binding capacity and its shadow price, most valuable resources first."""
    if shadow is None or not len(d.resources):
        return []
    out = []
    best = shadow.max(axis=1)
    for r in np.argsort(-best)[:MAX_ITEMS]:
        if best[r] <= 1e-6:
            break
        t = int(np.argmax(shadow[r]))
        binding = int(np.sum(shadow[r] > 1e-6))
        out.append(
            f"one more hour of {d.resources[r]} in {d.periods[t]} is worth {money(float(shadow[r, t]), d.currency)}"
            f" ({d.resources[r]} is binding in {binding} of {d.T} periods)"
        )
    return out


def pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole > 0 else "-"


def channels(d: Data, ev: Evaluation) -> list[str]:
    """How each channel was served: on time, late (shipped from backlog), lost, or still open
    at the end; for shorted channels their value per unit against the best-served one.

    Every unit a channel is owed (its demand plus any opening backlog) ends up in exactly one
    of: shipped in its own period (on time), shipped in a later period (late, from backlog),
    lost, or still in backlog after the last period. "Served in full" is only said when every
    channel's demand shipped on time."""
    dem = ev.demand.sum(axis=(0, 2))
    shipped = ev.shipments.sum(axis=(0, 2))
    on_time = ev.on_time
    late = np.maximum(shipped - on_time, 0.0)
    lost = ev.lost.sum(axis=(0, 2))
    end_bl = ev.B[:, :, -1].sum(axis=0)
    owed = dem + d.init_backlog.sum(axis=0)
    tol = 1e-6 * np.maximum(1.0, owed)
    late = np.where(late > tol, late, 0.0)
    lost = np.where(lost > tol, lost, 0.0)
    end_bl = np.where(end_bl > tol, end_bl, 0.0)
    short = lost + end_bl
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_price = np.where(dem > 0, (d.price * ev.demand).sum(axis=(0, 2)) / np.where(dem > 0, dem, 1), 0.0)
    value = avg_price + np.where(d.has_backlog, 0.0, d.lost_cost)
    served = np.where(dem > 0, 1 - short / np.where(dem > 0, dem, 1), 1.0)
    n_c = len(d.channels)
    shorted = [c for c in range(n_c) if owed[c] > 0 and short[c] > 0]
    late_only = [c for c in range(n_c) if owed[c] > 0 and short[c] == 0 and late[c] > 0]
    out: list[str] = []
    if not shorted and not late_only:
        if owed.sum() > 0:
            out.append("every channel's demand is shipped in full and on time")
        return out
    if not shorted:
        out.append("no demand is lost and no backlog is left at the end, but not every order ships on time")

    def on_time_text(c: int) -> str:
        text = f"{pct(on_time[c], dem[c])} of its demand shipped on time"
        if d.min_fill[c] > 0:
            text += f" (its floor is {d.min_fill[c]:.0%})"
        return text

    best = int(np.argmax(np.where(dem > 0, served, -1)))
    for c in sorted(shorted, key=lambda c: -short[c])[:MAX_ITEMS]:
        parts = []
        if lost[c] > 0:
            parts.append(f"{units(lost[c])} units lost")
        if end_bl[c] > 0:
            parts.append(f"{units(end_bl[c])} units still in backlog after the last period")
        served_text = on_time_text(c)
        if late[c] > 0:
            served_text += f", {units(late[c])} units shipped late from backlog"
        why = (
            f"a unit there is worth {money(value[c], d.currency)} (average price"
            + (
                f" + lost-sale penalty {money(d.lost_cost[c], d.currency)}"
                if d.lost_cost[c] > 0 and not d.has_backlog[c]
                else ""
            )
            + ")"
        )
        if best != c and served[best] > served[c]:
            why += (
                f" against {money(value[best], d.currency)} in {d.channels[best]}"
                f" ({served[best]:.1%} of its demand shipped, on time or late)"
            )
        if d.has_backlog[c]:
            why += f"; backlog costs {money(d.backlog_cost[c], d.currency)} per unit-period there"
        out.append(
            f"channel {d.channels[c]} was shorted: {', '.join(parts)} ({pct(short[c], dem[c])} of its demand); "
            f"{served_text}: {why}"
        )
    for c in sorted(late_only, key=lambda c: -late[c])[:MAX_ITEMS]:
        text = (
            f"channel {d.channels[c]} was served late, not short: {on_time_text(c)}, "
            f"{units(late[c])} units ({pct(late[c], dem[c])}) shipped late from backlog, none lost"
        )
        if d.backlog_cost[c] > 0:
            text += f"; each unit waiting a period costs {money(d.backlog_cost[c], d.currency)}"
        out.append(text)
    return out


def forward_buys(d: Data, x: Decisions, ev: Evaluation) -> list[str]:
    """Stock carried across a supply-price step: what buying early saved."""
    items = []
    for s in range(len(d.so_codes)):
        k = d.so_comp[s]
        steps = np.flatnonzero(d.so_price[s, 1:] > d.so_price[s, :-1] + 1e-12)
        for t in steps:
            ordered_before = x.Q[s, : t + 1].sum()
            carried = min(ev.CI[k, t], ordered_before)
            if carried <= 1e-6:
                continue
            rise = d.so_price[s, t + 1] - d.so_price[s, t]
            saved = carried * rise
            holding = carried * d.c_hold[k]
            if saved > holding:
                items.append((saved - holding, k, s, t, carried, saved, holding))
    out = []
    for _net, k, s, t, carried, saved, holding in sorted(items, reverse=True)[:MAX_ITEMS]:
        out.append(
            f"buying {units(carried)} units of {d.components[k]} ({d.so_codes[s]}) ahead of the price step in "
            f"{d.periods[t + 1]} ({money(d.so_price[s, t], d.currency)} -> {money(d.so_price[s, t + 1], d.currency)})"
            f" saves about {money(saved, d.currency)} against {money(holding, d.currency)} of holding cost per period"
            f" the stock is carried"
        )
    return out


def moq(d: Data, x: Decisions, ev: Evaluation, relaxation_bound: float | None, profit: float) -> list[str]:
    """What MOQs and order costs did and cost."""
    out = []
    placed = ev.orders_placed
    if placed.any():
        for s in np.flatnonzero(placed.any(axis=1))[:MAX_ITEMS]:
            n = int(placed[s].sum())
            at_moq = int(
                np.sum(
                    placed[s]
                    & (np.abs(x.Q[s] - d.so_moq[s]) <= 1e-6 * max(1.0, d.so_moq[s]))
                    & (d.so_moq[s] > 0)
                )
            )
            text = (
                f"{d.components[d.so_comp[s]]} via {d.so_codes[s]}: {n} order(s), "
                f"{units(x.Q[s].sum())} units, order costs {money(n * d.so_order_cost[s], d.currency)}"
            )
            if d.so_moq[s] > 0:
                text += f"; {at_moq} at the MOQ of {units(d.so_moq[s])}"
            out.append(text)
    if relaxation_bound is not None and np.isfinite(relaxation_bound) and d.has_integers():
        cost = max(0.0, relaxation_bound - profit)
        out.append(
            f"MOQs, order costs and whole workers cost at most {money(cost, d.currency)} of profit "
            f"(against the same plan allowed fractional orders and workers)"
        )
    return out


def expedites(d: Data, x: Decisions) -> list[str]:
    """Orders from an option dearer than the cheapest one placed the same period (air freight, spot)."""
    items = []
    for k in range(len(d.components)):
        opts = np.flatnonzero(d.so_comp == k)
        if len(opts) < 2:
            continue
        cheapest = d.so_price[opts].min(axis=0)
        for s in opts:
            extra = (d.so_price[s] - cheapest) * x.Q[s]
            if extra.sum() > 1e-6:
                items.append((float(extra.sum()), k, s, float(x.Q[s][extra > 0].sum())))
    return [
        f"{units(q)} units of {d.components[k]} bought via {d.so_codes[s]} at {money(extra, d.currency)} above the "
        f"cheapest option (to arrive in time or beyond the cheaper option's capacity)"
        for extra, k, s, q in sorted(items, reverse=True)[:MAX_ITEMS]
    ]


def violations(d: Data, ev: Evaluation) -> list[str]:
    out = []
    for v in ev.violations[: 2 * MAX_ITEMS]:
        who = " ".join(str(v[k]) for k in ("family", "channel", "resource", "component") if k in v)
        when = f" in {v['period']}" if v.get("period") else " over the horizon"
        out.append(
            f"relaxed {v['constraint']}{' for ' + who if who else ''}{when} by {units(v['amount'])}"
            f" (penalty {money(v['amount'] * d.penalty, d.currency)}): the data leave no way to meet it"
        )
    if len(ev.violations) > 2 * MAX_ITEMS:
        out.append(f"... and {len(ev.violations) - 2 * MAX_ITEMS} more relaxed constraints (see violations)")
    return out


def prices(d: Data, x: Decisions) -> list[str]:
    if not len(d.pl_f):
        return []
    ups = downs = same = 0
    for line in range(len(d.pl_f)):
        opts = np.flatnonzero(d.po_line == line)
        chosen = float(d.po_price[opts] @ x.LAM[opts])
        ref = d.list_price[d.pl_f[line], d.pl_t[line]]
        if chosen > ref * (1 + 1e-9) + 1e-9:
            ups += 1
        elif chosen < ref * (1 - 1e-9) - 1e-9:
            downs += 1
        else:
            same += 1
    return [
        f"price as a decision on {len(d.pl_f)} demand lines: priced above list on {ups}, below on {downs}, "
        f"at list on {same} (see price_choice)"
    ]


def comparison(d: Data, comp: dict[str, Any], base_violations: list[dict] | None = None) -> list[str]:
    lv = comp["by_lever"]
    economic = {k: v for k, v in lv.items() if k != "constraint_violations"}
    parts = ", ".join(f"{k.replace('_', ' ')} {v:+,.2f}" for k, v in economic.items())
    out = [
        f"the single pass earns {money(comp['value'], d.currency)} more than the sequential baseline "
        f"({money(comp['single_pass_profit'], d.currency)} vs {money(comp['baseline_profit'], d.currency)})"
    ]
    pen = lv.get("constraint_violations", 0.0)
    if abs(pen) > 1e-6:
        broken = sorted({v["constraint"] for v in base_violations or []})
        out.append(
            f"of that, {money(pen, d.currency)} are penalties the baseline incurs for hard constraints it breaks"
            + (f" ({', '.join(broken)})" if broken else "")
            + f"; without them the single pass is {money(sum(economic.values()), d.currency)} ahead"
        )
    out.append(f"value of the single pass by lever: {parts}")
    return out


def explain(
    d: Data,
    x: Decisions,
    ev: Evaluation,
    *,
    shadow: np.ndarray | None,
    status: str,
    gap: float | None,
    relaxation_bound: float | None,
    profit: float,
    comp: dict[str, Any] | None,
    base_violations: list[dict] | None = None,
) -> list[str]:
    head = {
        "optimal": "optimal plan" + (f" (within a {gap:.4%} gap)" if gap and gap > 1e-9 else ""),
        "feasible": f"feasible plan, not proven optimal: at most {gap or 0:.4%} below the best bound",
        "infeasible_relaxed": "the data conflict: some hard constraints were relaxed at a penalty",
    }.get(status, status)
    out = [f"{head}; profit {money(profit, d.currency)} on revenue {money(ev.revenue, d.currency)}"]
    out += violations(d, ev)
    out += capacity(d, shadow, ev)
    out += channels(d, ev)
    out += forward_buys(d, x, ev)
    out += expedites(d, x)
    out += moq(d, x, ev, relaxation_bound, profit)
    out += prices(d, x)
    if comp is not None:
        out += comparison(d, comp, base_violations)
    out += [f"warning: {w}" for w in d.warnings[:MAX_ITEMS]]
    return out
