"""What changed since the last cycle: consensus vs the prior cycle's consensus by family and
month, split into baseline movement and overrides, each override's effect named.

On the months both horizons cover: change = (baseline now - baseline before)
+ (overrides now) - (overrides before), where "overrides" is consensus - baseline of a cycle,
the sum of its overrides' effects (each named by its assumption).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from catalog.models import Channel
from cycles.models import Cycle
from reviews.demand import months
from reviews.demand.selectors import prior_cycle
from reviews.models import ConsensusCell, Override

ZERO = Decimal(0)


def what_changed(cycle: Cycle, *, channel: Channel | None = None, group: str | None = None) -> dict:
    prior = prior_cycle(cycle)
    if prior is None:
        return {"prior": None, "families": [], "periods": [], "totals": None}
    overlap = sorted(set(months.cycle_months(cycle)) & set(months.cycle_months(prior)))

    def cells(c: Cycle):
        qs = ConsensusCell.objects.filter(cycle=c, period__in=overlap)
        if channel is not None:
            qs = qs.filter(channel=channel)
        if group is not None:
            qs = qs.filter(family__group=group)
        return {(code, p): (b, qty) for code, p, b, qty in qs.values_list("family__code", "period").annotate(
            b=Sum("baseline"), q=Sum("quantity")).order_by()}

    now, before = cells(cycle), cells(prior)
    names = dict(ConsensusCell.objects.filter(cycle__in=[cycle, prior]).values_list("family__code", "family__name")
                 .distinct())

    def effects(c: Cycle, sign: int):
        qs = Override.objects.filter(cycle=c, deleted_at__isnull=True, period__in=overlap)
        if channel is not None:
            qs = qs.filter(channel=channel)
        if group is not None:
            qs = qs.filter(family__group=group)
        out = defaultdict(lambda: defaultdict(lambda: ZERO))
        meta = {}
        for code, p, aid, ref_text, author, qty, prev in qs.values_list(
                "family__code", "period", "assumption_id", "assumption__text", "author__username", "quantity",
                "quantity_before"):
            out[code][(aid, p)] += (qty - prev) * sign
            meta[aid] = (ref_text, author)
        return out, meta

    eff_now, meta_now = effects(cycle, 1)
    eff_prior, meta_prior = effects(prior, -1)
    families = []
    totals = defaultdict(lambda: ZERO)
    for code in sorted({k[0] for k in now} | {k[0] for k in before}):
        rows = []
        fam = defaultdict(lambda: ZERO)
        for p in overlap:
            b1, q1 = now.get((code, p), (ZERO, ZERO))
            b0, q0 = before.get((code, p), (ZERO, ZERO))
            row = {"period": months.label(p), "prior": q0, "consensus": q1, "change": q1 - q0,
                   "baseline_movement": b1 - b0, "overrides_now": q1 - b1, "overrides_prior": -(q0 - b0)}
            rows.append(row)
            for k in ("prior", "consensus", "change", "baseline_movement", "overrides_now", "overrides_prior"):
                fam[k] += row[k]
                totals[k] += row[k]
        named = []
        for source, meta, label in ((eff_now.get(code, {}), meta_now, cycle.label),
                                    (eff_prior.get(code, {}), meta_prior, prior.label)):
            by_assumption = defaultdict(lambda: ZERO)
            span = defaultdict(list)
            for (aid, p), value in source.items():
                by_assumption[aid] += value
                span[aid].append(p)
            for aid, value in sorted(by_assumption.items(), key=lambda kv: -abs(kv[1])):
                if value == 0:
                    continue
                text, author = meta[aid]
                named.append({"assumption": f"A{aid}", "text": text, "author": author, "cycle": label,
                              "effect": value, "from": months.label(min(span[aid])),
                              "to": months.label(max(span[aid])),
                              "kind": "in this plan" if label == cycle.label else "in the prior plan"})
        families.append({"family": code, "name": names.get(code, ""), "months": rows, "named": named, **fam})
    families.sort(key=lambda f: -abs(f["change"]))
    return {"prior": prior, "periods": [months.label(p) for p in overlap], "families": families,
            "totals": dict(totals)}
