"""Every write of the demand review's plan: assumptions, overrides, the consensus, the freeze.

Each public function is one transaction with its history row (cycles.services.event_record).
Writers of one cycle's plan queue on the DemandPlan row (select_for_update, and SQLite's
IMMEDIATE transactions), and every change takes the plan's next revision: the version a grid
cell shows. A stale version is refused with the current value, never overwritten.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from catalog.models import Channel, ProductFamily
from cycles.models import Cycle, Step
from cycles.services import event_record
from reviews.demand import months
from reviews.demand.allocation import ZERO, Layer, allocate, apply_stack, q, scale_exactly

# Re-exported: pages, API, tasks and tests call every write through reviews.demand.services.
from reviews.demand.assumptions import (  # noqa: F401
    ASSUMPTION_REQUIRED,
    MIN_ASSUMPTION_TEXT,
    _create_assumption,
    assumption_create,
    assumption_review,
    assumption_update,
    resolve_assumption,
)
from reviews.demand.permissions import EDIT_ROLE_REFUSAL, EDITOR_ROLES
from reviews.demand.plans import (  # noqa: F401
    _check_can_edit,
    _check_version,
    demand_step,
    lock_plan,
    next_revision,
    plan_for,
)
from reviews.demand.prices import PriceBook, revenue
from reviews.models import (
    Assumption,
    ConsensusCell,
    DemandPlan,
    Override,
    OverrideKind,
)
from sop.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionRequiredError,
)
from sop.roles import user_roles

MAX_PERCENT = Decimal("1000")
MAX_UNITS = Decimal("1000000000")
EVENT_CELLS = 200  # cells listed in one history row at most

# ---------------------------------------------------------------------------------------------
# the consensus


Key = tuple[int, int, dt.date]  # family id, channel id, month


@dataclass(frozen=True)
class Target:
    """A cell of the grid: one month of one family (or a family group) in one channel (or all).

    seen: the version the editor saw (the largest version of the target's leaf cells).
    """

    period: dt.date
    family_ids: tuple[int, ...]
    channel_ids: tuple[int, ...] | None = None  # None: every channel the families sell through
    seen: int | None = None
    label: str = ""

    @property
    def is_leaf(self) -> bool:
        return len(self.family_ids) == 1 and self.channel_ids is not None and len(self.channel_ids) == 1


@dataclass
class EditResult:
    revision: int
    edit: str
    assumption: Assumption
    overrides: list[Override] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)  # {family, channel, period, before, after}


def parse_value(kind: str, value) -> Decimal:
    if kind not in OverrideKind.values:
        raise ApplicationError(f"Unknown override kind {kind!r}; use absolute or percent.", {"kind": "unknown"})
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise ApplicationError(f"{value!r} is not a number.", {"value": "not a number"}) from None
    if not number.is_finite():
        raise ApplicationError(f"{value!r} is not a number.", {"value": "not a number"})
    if kind == OverrideKind.ABSOLUTE and not ZERO <= number <= MAX_UNITS:
        raise ApplicationError("Demand in units cannot be negative (nor above a billion).", {"value": "out of range"})
    if kind == OverrideKind.PERCENT and not Decimal(-100) <= number <= MAX_PERCENT:
        raise ApplicationError("A % change lies between -100 % and +1000 %.", {"value": "out of range"})
    return number


def series_pairs(cycle: Cycle) -> set[tuple[int, int]]:
    """The family x channel series of the cycle's consensus."""
    first = months.month(cycle.start_month)
    return set(ConsensusCell.objects.filter(cycle=cycle, period=first).values_list("family_id", "channel_id"))


def _ensure_series(cycle: Cycle, pairs: Iterable[tuple[int, int]], revision: int) -> None:
    """Creates the cells of new family x channel series (no baseline: demand with no history)."""
    pairs = set(pairs)
    if not pairs:
        return
    book = PriceBook(months.cycle_months(cycle))
    ConsensusCell.objects.bulk_create([
        ConsensusCell(cycle=cycle, family_id=f, channel_id=c, period=p, baseline=ZERO, quantity=ZERO,
                      price=book.price(f, c, p), revenue=ZERO, version=revision)
        for f, c in sorted(pairs) for p in months.cycle_months(cycle)
    ])


def recompute(cycle: Cycle, keys: Iterable[Key], revision: int) -> list[dict]:
    """Re-applies the override stacks of the given cells; returns the cells whose units changed."""
    keys = set(keys)
    if not keys:
        return []
    fams = {k[0] for k in keys}
    chans = {k[1] for k in keys}
    pers = {k[2] for k in keys}
    cells = {
        (c.family_id, c.channel_id, c.period): c
        for c in ConsensusCell.objects.filter(cycle=cycle, family_id__in=fams, channel_id__in=chans, period__in=pers)
    }
    stacks: dict[Key, list[Override]] = defaultdict(list)
    for ov in Override.objects.filter(cycle=cycle, deleted_at__isnull=True, family_id__in=fams,
                                      channel_id__in=chans, period__in=pers).order_by("sequence", "id"):
        stacks[(ov.family_id, ov.channel_id, ov.period)].append(ov)
    changed_cells, changed_overrides, out = [], [], []
    for key in sorted(keys):
        cell = cells.get(key)
        if cell is None:
            continue
        layers = stacks.get(key, [])
        quantity, trail = apply_stack(cell.baseline, [Layer(ov, ov.kind, ov.value) for ov in layers])
        for ov, before, after in trail:
            if ov.quantity_before != before or ov.quantity != after:
                ov.quantity_before, ov.quantity = before, after
                changed_overrides.append(ov)
        if cell.quantity != quantity:
            out.append({"family_id": key[0], "channel_id": key[1], "period": key[2],
                        "before": cell.quantity, "after": quantity})
            cell.quantity = quantity
            cell.revenue = revenue(quantity, cell.price)
            cell.version = revision
            changed_cells.append(cell)
    if changed_cells:
        ConsensusCell.objects.bulk_update(changed_cells, ["quantity", "revenue", "version"], batch_size=500)
    if changed_overrides:
        Override.objects.bulk_update(changed_overrides, ["quantity_before", "quantity"], batch_size=500)
    return out


def _describe_cells(changes: Sequence[dict]) -> list[dict]:
    fams = dict(ProductFamily.objects.filter(pk__in={c["family_id"] for c in changes}).values_list("pk", "code"))
    chans = dict(Channel.objects.filter(pk__in={c["channel_id"] for c in changes}).values_list("pk", "code"))
    return [
        {"family": fams.get(c["family_id"]), "channel": chans.get(c["channel_id"]),
         "period": months.label(c["period"]), "before": str(q(c["before"])), "after": str(q(c["after"]))}
        for c in changes
    ]


def _leaf_plan(target: Target, pairs: set[tuple[int, int]]) -> list[tuple[int, int]]:
    fams = set(target.family_ids)
    chans = None if target.channel_ids is None else set(target.channel_ids)
    leaves = sorted((f, c) for f, c in pairs if f in fams and (chans is None or c in chans))
    if not leaves and target.is_leaf:
        leaves = [(target.family_ids[0], target.channel_ids[0])]
    return leaves



def apply_overrides(*, actor, cycle: Cycle, revision: int, edit_id: str,
                    wanted: dict[Key, tuple[str, Decimal, dict, Assumption]]) -> tuple[list[Override], list[Override]]:
    """Writes one override per cell (kind, value, scope, assumption), or corrects the cell's top
    override in place when it is the actor's own with the same assumption. Call recompute after."""
    tops: dict[Key, Override] = {}
    for ov in Override.objects.filter(cycle=cycle, deleted_at__isnull=True, family_id__in={k[0] for k in wanted},
                                      channel_id__in={k[1] for k in wanted}, period__in={k[2] for k in wanted}
                                      ).order_by("sequence", "id"):
        tops[(ov.family_id, ov.channel_id, ov.period)] = ov
    created, corrected = [], []
    now = timezone.now()
    for key, (kind, value, request, assumption) in sorted(wanted.items()):
        top = tops.get(key)
        if top is not None and top.author_id == actor.pk and top.assumption_id == assumption.pk:
            top.kind, top.value, top.version, top.edit, top.scope = kind, value, top.version + 1, edit_id, request
            top.updated_at = now
            corrected.append(top)
        else:
            created.append(Override(cycle=cycle, family_id=key[0], channel_id=key[1], period=key[2], kind=kind,
                                    value=value, sequence=revision, assumption=assumption, author=actor,
                                    edit=edit_id, scope=request))
    if corrected:
        Override.objects.bulk_update(corrected, ["kind", "value", "version", "edit", "scope", "updated_at"])
    return corrected, Override.objects.bulk_create(created)

@transaction.atomic
def consensus_edit(*, actor, cycle: Cycle, targets: Sequence[Target], kind: str, value, assumption_id=None,
                   new_assumption: dict | None = None, require_seen: bool = True, scope: dict | None = None,
                   before_step_opens: bool = False) -> EditResult:
    """Sets (absolute) or changes by a % (percent) one or more grid cells, with an assumption.

    A leaf cell (one family, one channel) gets an override of that kind. An aggregate (a family
    group and/or all channels) is spread over its leaf cells: an absolute total by the leaves'
    baseline mix in that month (their current mix when the baseline is zero, else evenly), a %
    change keeps the current mix; both by largest remainder, so the leaves add back exactly.
    The leaves then get absolute overrides of their shares (the aggregate's request is kept in
    the override's scope). When the top override of a cell is the actor's own with the same
    assumption, it is corrected in place instead of stacking another one.
    """
    if not targets:
        raise ApplicationError("Select at least one cell to change.", {"cells": "required"})
    number = parse_value(kind, value)
    plan = lock_plan(cycle)
    if before_step_opens:  # the demo seed only: overrides prepared while step 1 is still open
        if not EDITOR_ROLES & user_roles(actor):
            raise PermissionDeniedError(EDIT_ROLE_REFUSAL)
    else:
        _check_can_edit(actor, cycle)
    if plan.baseline_run_id is None:
        raise ConflictError("Compute the baseline forecast first: overrides change the baseline.")
    horizon = set(months.cycle_months(cycle))
    for t in targets:
        if t.period not in horizon:
            raise ApplicationError(f"{months.label(t.period)} is outside cycle {cycle.label}'s horizon.",
                                   {"period": months.label(t.period)})
        if not t.family_ids:
            raise ApplicationError("A cell names no family.", {"family": "required"})
    pairs = series_pairs(cycle)
    leaf_sets = [_leaf_plan(t, pairs) for t in targets]
    for t, leaves in zip(targets, leaf_sets, strict=True):
        if not leaves:
            raise ApplicationError(
                f"{t.label or 'This cell'} has no channel with demand yet: pick a channel to enter demand for it.",
                {"cells": "no leaf"})
    keys = {(f, c, t.period) for t, leaves in zip(targets, leaf_sets, strict=True) for f, c in leaves}
    cells = {(c.family_id, c.channel_id, c.period): c for c in ConsensusCell.objects.filter(
        cycle=cycle, family_id__in={k[0] for k in keys}, channel_id__in={k[1] for k in keys},
        period__in={k[2] for k in keys})}

    conflicts = []
    for i, (t, leaves) in enumerate(zip(targets, leaf_sets, strict=True)):
        present = [cells[(f, c, t.period)] for f, c in leaves if (f, c, t.period) in cells]
        current = max((c.version for c in present), default=0)
        if t.seen is None and require_seen:
            raise PreconditionRequiredError("The edit does not say which version of the cell it changes.",
                                            {"cells": "seen version required"})
        if t.seen is not None and current > int(t.seen):
            conflicts.append({"index": i, "label": t.label, "period": months.label(t.period),
                              "quantity": str(q(sum((c.quantity for c in present), ZERO))), "version": current})
    if conflicts:
        first = conflicts[0]
        raise ConflictError(
            f"{first['label'] or 'The cell'} {first['period']} was changed by someone else while you were editing: "
            f"it is now {first['quantity']}. Nothing was saved; look at the new value and edit again.",
            {"conflicts": conflicts})

    # What each leaf gets: (kind, value) per key.
    wanted: dict[Key, tuple[str, Decimal, dict]] = {}
    for t, leaves in zip(targets, leaf_sets, strict=True):
        request = {"kind": kind, "value": str(number), "target": t.label, "period": months.label(t.period),
                   **(scope or {})}
        if t.is_leaf and len(leaves) == 1:
            wanted[(leaves[0][0], leaves[0][1], t.period)] = (kind, number, request)
            continue
        leaf_cells = [cells[(f, c, t.period)] for f, c in leaves]
        current = [c.quantity for c in leaf_cells]
        if kind == OverrideKind.ABSOLUTE:
            baselines = [c.baseline for c in leaf_cells]
            weights = baselines if sum(baselines, ZERO) > 0 else current
            shares = allocate(q(number), weights)
        else:
            shares = scale_exactly(current, number)
        for (f, c), cell, share in zip(leaves, leaf_cells, shares, strict=True):
            if share != cell.quantity:
                wanted[(f, c, t.period)] = (OverrideKind.ABSOLUTE, share, {**request, "level": "aggregate"})

    if not wanted:
        raise ApplicationError("Nothing to change: the selected cells already have these values.",
                               {"cells": "unchanged"})

    assumption = resolve_assumption(actor=actor, cycle=cycle, assumption_id=assumption_id, new=new_assumption)
    revision = next_revision(plan)
    _ensure_series(cycle, {(f, c) for f, c, _ in keys} - pairs, revision)

    edit_id = uuid.uuid4().hex
    corrected, created = apply_overrides(actor=actor, cycle=cycle, revision=revision, edit_id=edit_id,
                                         wanted={k: (*v, assumption) for k, v in wanted.items()})
    changes = recompute(cycle, wanted.keys(), revision)
    described = _describe_cells(changes)
    event_record(
        actor=actor, verb="demand.consensus_edited", cycle=cycle, step=demand_step(cycle),
        object_type="reviews.override", object_id=edit_id,
        object_repr=f"{len(wanted)} cell(s), {kind} {number}{'%' if kind == 'percent' else ''} ({assumption.ref})",
        before={"cells": [{k: c[k] for k in ("family", "channel", "period", "before")} for c in described[:EVENT_CELLS]]},
        after={"cells": [{k: c[k] for k in ("family", "channel", "period", "after")} for c in described[:EVENT_CELLS]],
               "kind": kind, "value": str(number), "assumption": assumption.ref, "revision": revision,
               "overrides_created": len(created), "overrides_corrected": len(corrected),
               "cells_total": len(described)},
        comment=assumption.text[:500],
    )
    fresh = Override.objects.filter(pk__in=[o.pk for o in [*created, *corrected]]).select_related(
        "family", "channel", "assumption").order_by("family__code", "channel__code", "period")
    return EditResult(revision=revision, edit=edit_id, assumption=assumption, overrides=list(fresh), cells=described)


# ---------------------------------------------------------------------------------------------
# one override (the API's resource)


def override_state(ov: Override) -> dict:
    return {"id": ov.pk, "family": ov.family.code, "channel": ov.channel.code, "period": months.label(ov.period),
            "kind": ov.kind, "value": str(ov.value), "quantity": str(q(ov.quantity)),
            "assumption": ov.assumption.ref, "version": ov.version, "deleted": ov.deleted_at is not None}


def _locked_override(ov: Override) -> Override:
    return Override.objects.select_for_update().select_related("family", "channel", "assumption", "cycle").get(pk=ov.pk)


@transaction.atomic
def override_create(*, actor, cycle: Cycle, family: ProductFamily, channel: Channel, period: dt.date, kind: str,
                    value, assumption_id=None, new_assumption: dict | None = None) -> Override:
    """One override of one cell (the API's create). Stacks on the cell's earlier overrides."""
    target = Target(period=months.month(period), family_ids=(family.pk,), channel_ids=(channel.pk,),
                    label=f"{family.code} {channel.code}")
    result = consensus_edit(actor=actor, cycle=cycle, targets=[target], kind=kind, value=value,
                            assumption_id=assumption_id, new_assumption=new_assumption, require_seen=False,
                            scope={"via": "api"})
    return Override.objects.select_related("family", "channel", "assumption", "author").get(pk=result.overrides[0].pk)


@transaction.atomic
def override_update(*, actor, override: Override, expected_version: int | None, kind: str | None = None,
                    value=None, assumption_id=None, new_assumption: dict | None = None) -> Override:
    """Changes an override's kind, value or assumption (If-Match: stale 412, missing 428)."""
    plan = lock_plan(override.cycle)
    ov = _locked_override(override)
    _check_can_edit(actor, ov.cycle)
    if ov.deleted_at is not None:
        raise ConflictError(f"Override {ov.pk} was removed ({ov.delete_reason}); it cannot change.")
    ov._current_state = override_state(ov)
    _check_version(ov, expected_version, f"override {ov.pk}")
    before = override_state(ov)
    new_kind = kind or ov.kind
    ov.value = parse_value(new_kind, ov.value if value is None else value)
    ov.kind = new_kind
    if assumption_id not in (None, "") or new_assumption:
        ov.assumption = resolve_assumption(actor=actor, cycle=ov.cycle, assumption_id=assumption_id,
                                           new=new_assumption)
    ov.version += 1
    ov.save(update_fields=["kind", "value", "assumption", "version", "updated_at"])
    revision = next_revision(plan)
    recompute(ov.cycle, [(ov.family_id, ov.channel_id, ov.period)], revision)
    ov.refresh_from_db()
    event_record(actor=actor, verb="demand.override_changed", cycle=ov.cycle, step=demand_step(ov.cycle), obj=ov,
                 before=before, after=override_state(ov))
    return ov


@transaction.atomic
def override_delete(*, actor, override: Override, reason: str, expected_version: int | None = None) -> Override:
    """Removes an override from the plan (kept with the reason: history is never deleted)."""
    plan = lock_plan(override.cycle)
    ov = _locked_override(override)
    _check_can_edit(actor, ov.cycle)
    if ov.deleted_at is not None:
        raise ConflictError(f"Override {ov.pk} is already removed.")
    if not (reason or "").strip():
        raise ApplicationError("Say why the override is removed (a reason).", {"reason": "required"})
    if expected_version is not None:
        ov._current_state = override_state(ov)
        _check_version(ov, expected_version, f"override {ov.pk}")
    before = override_state(ov)
    ov.deleted_at, ov.deleted_by, ov.delete_reason = timezone.now(), actor, reason.strip()
    ov.version += 1
    ov.save(update_fields=["deleted_at", "deleted_by", "delete_reason", "version", "updated_at"])
    revision = next_revision(plan)
    recompute(ov.cycle, [(ov.family_id, ov.channel_id, ov.period)], revision)
    event_record(actor=actor, verb="demand.override_removed", cycle=ov.cycle, step=demand_step(ov.cycle), obj=ov,
                 before=before, after=override_state(ov), comment=ov.delete_reason)
    return ov


def get_override(pk) -> Override:
    try:
        return Override.objects.select_related("family", "channel", "assumption", "author", "cycle").get(pk=pk)
    except (Override.DoesNotExist, ValueError):
        raise NotFoundError(f"No override {pk}.") from None


# ---------------------------------------------------------------------------------------------
# rebuild from a new baseline; freeze and unfreeze (step hooks)


def consensus_rebuild(*, cycle: Cycle, run, revision: int) -> int:
    """Puts a finished run's baseline under the consensus: every series of the run or with
    overrides gets its cells; prices are refreshed; the override stacks are re-applied."""
    from reviews.models import BaselineForecast

    periods = months.cycle_months(cycle)
    base = {(b["family_id"], b["channel_id"], b["period"]): b["quantity"]
            for b in BaselineForecast.objects.filter(run=run).values("family_id", "channel_id", "period", "quantity")}
    pairs = {(f, c) for f, c, _ in base}
    pairs |= set(Override.objects.filter(cycle=cycle, deleted_at__isnull=True).values_list("family_id", "channel_id"))
    existing = {(c.family_id, c.channel_id, c.period): c for c in ConsensusCell.objects.filter(cycle=cycle)}
    pairs |= {(f, c) for f, c, _ in existing}
    book = PriceBook(months.cycle_months(cycle))
    new, update = [], []
    for f, c in sorted(pairs):
        for p in periods:
            b = q(base.get((f, c, p), ZERO))
            price = book.price(f, c, p)
            cell = existing.get((f, c, p))
            if cell is None:
                new.append(ConsensusCell(cycle=cycle, family_id=f, channel_id=c, period=p, baseline=b, quantity=b,
                                         price=price, revenue=revenue(b, price), version=revision))
            elif cell.baseline != b or cell.price != price:
                cell.baseline, cell.price = b, price
                cell.revenue = revenue(cell.quantity, price)
                cell.version = revision
                update.append(cell)
    ConsensusCell.objects.bulk_create(new, batch_size=1000)
    ConsensusCell.objects.bulk_update(update, ["baseline", "price", "revenue", "version"], batch_size=1000)
    keys = [(f, c, p) for f, c in pairs for p in periods]
    recompute(cycle, keys, revision)
    return len(pairs)


def _plan_totals(cycle: Cycle) -> dict:
    from django.db.models import Count, Sum

    agg = ConsensusCell.objects.filter(cycle=cycle).aggregate(units=Sum("quantity"), revenue=Sum("revenue"),
                                                              cells=Count("id"))
    return {"cells": agg["cells"], "units": str(q(agg["units"] or 0)), "revenue": str(agg["revenue"] or 0)}


def demand_freeze(*, step: Step, actor) -> None:
    """Signed-off callback of step 2: the consensus is frozen for the cycle's later steps."""
    plan = lock_plan(step.cycle)
    if plan.frozen_at is not None:
        return
    plan.frozen_at, plan.frozen_by = timezone.now(), actor
    plan.save(update_fields=["frozen_at", "frozen_by", "updated_at"])
    if ConsensusCell.objects.filter(cycle=step.cycle).exists():  # an empty plan has nothing to record
        event_record(actor=actor, verb="demand.consensus_frozen", step=step, obj=plan,
                     after={"revision": plan.revision, **_plan_totals(step.cycle)})


def demand_unfreeze(*, step: Step, actor) -> None:
    """Reopened callback of step 2: the consensus can change again (recorded)."""
    plan = lock_plan(step.cycle)
    if plan.frozen_at is None:
        return
    before = {"frozen_at": plan.frozen_at.isoformat(), "frozen_by": plan.frozen_by.get_username() if plan.frozen_by else None}
    plan.frozen_at, plan.frozen_by = None, None
    plan.save(update_fields=["frozen_at", "frozen_by", "updated_at"])
    if not ConsensusCell.objects.filter(cycle=step.cycle).exists():
        return
    event_record(actor=actor, verb="demand.consensus_unfrozen", step=step, obj=plan, before=before,
                 after={"revision": plan.revision}, comment="Demand review reopened.")


def demand_sign_guard(*, step: Step, actor, role: str) -> None:
    """Step 2 is not signed off while a baseline is computing, nor with no baseline when there
    are actuals to forecast from."""
    from reviews.models import ForecastRun, RunStatus, Shipment

    cycle = step.cycle
    if ForecastRun.objects.filter(cycle=cycle, status__in=[RunStatus.PENDING, RunStatus.RUNNING]).exists():
        raise ConflictError("A baseline forecast is computing; sign off when it has finished.")
    has_plan = DemandPlan.objects.filter(cycle=cycle, baseline_run__isnull=False).exists()
    if not has_plan and Shipment.objects.filter(period__lt=cycle.start_month).exists():
        raise ApplicationError("Compute the baseline forecast before signing off: the consensus is still empty.")
