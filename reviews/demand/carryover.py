"""Carrying the prior cycle's overrides into this cycle's horizon.

A planner's override of March (a promotion, a customer's ramp) is still their view when April's
cycle opens; re-typing it is how judgement gets lost between cycles. Carry-over copies the live
overrides of the prior cycle (the latest earlier one with a consensus) whose months are in this
cycle's horizon: each keeps its kind and value (a % change applies to the new baseline, an
absolute stays absolute) and its order in the cell, and cites a copy of its assumption in this
cycle (same category, text and owner), so the register and the held / did-not-hold review work
as for any other. Cells this cycle already has overrides for are left alone (the planner has
decided them again); overrides carried once are not carried twice.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction

from cycles.models import Cycle
from cycles.services import event_record
from reviews.demand import months
from reviews.demand.assumptions import _create_assumption
from reviews.demand.plans import _check_can_edit, demand_step, lock_plan, next_revision
from reviews.demand.selectors import prior_cycle
from reviews.models import Assumption, Override
from sop.errors import ApplicationError, ConflictError

CARRIED_FROM = "carried_from"  # the override's scope key: the id of the override it was copied from


@dataclass
class Offer:
    """What a carry-over would do now."""

    prior: Cycle | None
    overrides: list[Override] = field(default_factory=list)
    skipped_cells: int = 0  # prior overrides on cells this cycle has overridden already

    @property
    def assumptions(self) -> int:
        return len({o.assumption_id for o in self.overrides})

    @property
    def cells(self) -> int:
        return len({(o.family_id, o.channel_id, o.period) for o in self.overrides})


def offer(cycle: Cycle) -> Offer:
    prior = prior_cycle(cycle)
    if prior is None:
        return Offer(prior=None)
    horizon = set(months.cycle_months(cycle))
    carried, own_cells = set(), set()
    for f, c, p, scope, deleted in Override.objects.filter(cycle=cycle).values_list(
            "family_id", "channel_id", "period", "scope", "deleted_at"):
        if isinstance(scope, dict) and CARRIED_FROM in scope:
            carried.add(scope[CARRIED_FROM])  # carried once, even if removed since: not again
        elif deleted is None:
            own_cells.add((f, c, p))
    result = Offer(prior=prior)
    for ov in (Override.objects.filter(cycle=prior, deleted_at__isnull=True, period__in=horizon)
               .select_related("assumption", "family", "channel").order_by("sequence", "id")):
        if ov.pk in carried:
            continue
        if (ov.family_id, ov.channel_id, ov.period) in own_cells:
            result.skipped_cells += 1
            continue
        result.overrides.append(ov)
    return result


@dataclass
class Carried:
    prior: Cycle
    overrides: list[Override]
    assumptions: list[Assumption]
    cells: list[dict]
    skipped_cells: int
    revision: int


@transaction.atomic
def carry_over(*, actor, cycle: Cycle) -> Carried:
    """Copies the prior cycle's live overrides of months in this horizon (see the module)."""
    from reviews.demand.services import _describe_cells, _ensure_series, recompute, series_pairs

    plan = lock_plan(cycle)
    _check_can_edit(actor, cycle)
    if plan.baseline_run_id is None:
        raise ConflictError("Compute the baseline forecast first: carried overrides change the baseline.")
    found = offer(cycle)
    if found.prior is None:
        raise ApplicationError(f"No cycle before {cycle.label} has a consensus to carry overrides from.",
                               {"prior": "none"})
    if not found.overrides:
        raise ApplicationError(
            f"Nothing to carry over from {found.prior.label}: none of its overrides falls in {cycle.label}'s "
            "horizon, or they were carried already, or this cycle overrides those cells itself.", {"overrides": "none"})
    sources = {o.assumption_id: o.assumption for o in found.overrides}
    copies: dict[int, Assumption] = {}
    for ov in found.overrides:
        a = ov.assumption
        if a.pk not in copies:
            copies[a.pk] = _create_assumption(actor=actor, cycle=cycle, category=a.category, text=a.text, owner=a.owner)
    revision = next_revision(plan)
    keys = {(o.family_id, o.channel_id, o.period) for o in found.overrides}
    _ensure_series(cycle, {(f, c) for f, c, _ in keys} - series_pairs(cycle), revision)
    edit_id = uuid.uuid4().hex
    created = Override.objects.bulk_create([
        Override(cycle=cycle, family_id=o.family_id, channel_id=o.channel_id, period=o.period, kind=o.kind,
                 value=o.value, sequence=revision, assumption=copies[o.assumption_id], author=actor, edit=edit_id,
                 scope={**(o.scope or {}), CARRIED_FROM: o.pk, "from_cycle": found.prior.label})
        for o in found.overrides
    ])
    changes = recompute(cycle, keys, revision)
    described = _describe_cells(changes)
    event_record(
        actor=actor, verb="demand.overrides_carried", cycle=cycle, step=demand_step(cycle),
        object_type="reviews.override", object_id=edit_id,
        object_repr=f"{len(created)} override(s) from {found.prior.label} ({len(copies)} assumption(s))",
        before={"cells": [{k: c[k] for k in ("family", "channel", "period", "before")} for c in described[:200]]},
        after={"cells": [{k: c[k] for k in ("family", "channel", "period", "after")} for c in described[:200]],
               "from_cycle": found.prior.label, "overrides": len(created), "revision": revision,
               "assumptions": {sources[k].ref: copy.ref for k, copy in copies.items()},
               "skipped_cells": found.skipped_cells},
        comment=f"Carried over from {found.prior.label}",
    )
    fresh = list(Override.objects.filter(pk__in=[o.pk for o in created]).select_related("family", "channel", "assumption")
                 .order_by("family__code", "channel__code", "period", "sequence", "id"))
    return Carried(prior=found.prior, overrides=fresh, assumptions=list(copies.values()), cells=described,
                   skipped_cells=found.skipped_cells, revision=revision)
