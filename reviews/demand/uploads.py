"""The Excel round trip's writes: a preview of an edited workbook, then accept or reject."""
from __future__ import annotations

import hashlib
import uuid

from django.db import transaction
from django.utils import timezone

from cycles.models import Cycle
from cycles.services import event_record
from reviews.demand import excel, months
from reviews.demand.allocation import q
from reviews.demand.services import (
    _check_can_edit,
    _create_assumption,
    _describe_cells,
    _ensure_series,
    apply_overrides,
    demand_step,
    lock_plan,
    next_revision,
    plan_for,
    recompute,
    series_pairs,
)
from reviews.models import Assumption, ConsensusCell, DemandUpload, OverrideKind, UploadStatus
from sop.errors import ConflictError


@transaction.atomic
def upload_preview(*, actor, cycle: Cycle, filename: str, data: bytes) -> DemandUpload:
    """Reads an edited export and keeps its changes (or refused cells) for the planner to decide."""
    _check_can_edit(actor, cycle)
    preview = excel.read_workbook(cycle, data, filename=filename)
    plan = plan_for(cycle)
    status = UploadStatus.INVALID if preview.errors else UploadStatus.PENDING
    upload = DemandUpload.objects.create(
        cycle=cycle, uploaded_by=actor, filename=(filename or "")[:255], sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), status=status, base_revision=plan.revision, changes=preview.changes, errors=preview.errors)
    event_record(actor=actor, verb="demand.upload_previewed", cycle=cycle, step=demand_step(cycle), obj=upload,
                 after={"file": upload.filename, "changes": len(preview.changes), "errors": len(preview.errors),
                        "status": status})
    return upload


def _locked(upload: DemandUpload) -> DemandUpload:
    return DemandUpload.objects.select_for_update().select_related("cycle").get(pk=upload.pk)


@transaction.atomic
def upload_accept(*, actor, upload: DemandUpload) -> DemandUpload:
    """Applies every change of a previewed upload in one transaction (or none of them)."""
    plan = lock_plan(upload.cycle)
    upload = _locked(upload)
    cycle = upload.cycle
    _check_can_edit(actor, cycle)
    if upload.status != UploadStatus.PENDING:
        raise ConflictError(f"This upload is {upload.get_status_display().lower()}; nothing to accept.")
    current = {(f, c, months.label(p)): qty for f, c, p, qty in ConsensusCell.objects.filter(cycle=cycle).values_list(
        "family_id", "channel_id", "period", "quantity")}
    moved = [c for c in upload.changes
             if q(current.get((c["family_id"], c["channel_id"], c["period"]), 0)) != q(c["old"])]
    if moved:
        first = moved[0]
        raise ConflictError(
            f"{len(moved)} cell(s) changed in the app since the preview (e.g. {first['cell']} {first['family']} "
            f"{first['channel']} {first['period']}: now {q(current.get((first['family_id'], first['channel_id'], first['period']), 0))}, "
            f"preview said {first['old']}). Nothing was saved; reject this upload, export again and redo.",
            {"cells": [c["cell"] for c in moved]})
    made: dict[tuple, Assumption] = {}
    by_id = {a.pk: a for a in Assumption.objects.filter(cycle=cycle, pk__in={
        c["assumption"]["id"] for c in upload.changes if c["assumption"].get("id")})}
    revision = next_revision(plan)
    wanted = {}
    for c in upload.changes:
        spec = c["assumption"]
        if spec.get("id"):
            assumption = by_id[spec["id"]]
        else:
            key = (spec["category"], spec["text"])
            if key not in made:
                made[key] = _create_assumption(actor=actor, cycle=cycle, category=spec["category"], text=spec["text"])
            assumption = made[key]
        key = (c["family_id"], c["channel_id"], months.month(c["period"]))
        wanted[key] = (OverrideKind.ABSOLUTE, q(c["new"]), {"via": "excel", "upload": upload.pk, "cell": c["cell"]},
                       assumption)
    _ensure_series(cycle, {(f, ch) for f, ch, _ in wanted} - series_pairs(cycle), revision)
    apply_overrides(actor=actor, cycle=cycle, revision=revision, edit_id=uuid.uuid4().hex, wanted=wanted)
    changes = _describe_cells(recompute(cycle, wanted.keys(), revision))
    DemandUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.APPLIED, decided_by=actor,
                                                     decided_at=timezone.now())
    upload.refresh_from_db()
    event_record(actor=actor, verb="demand.upload_applied", cycle=cycle, step=demand_step(cycle), obj=upload,
                 before={"cells": [{k: c[k] for k in ("family", "channel", "period", "before")} for c in changes[:200]]},
                 after={"cells": [{k: c[k] for k in ("family", "channel", "period", "after")} for c in changes[:200]],
                        "revision": revision, "assumptions_created": [a.ref for a in made.values()]})
    return upload


@transaction.atomic
def upload_reject(*, actor, upload: DemandUpload) -> DemandUpload:
    """Discards a previewed upload: nothing of it is applied."""
    upload = _locked(upload)
    _check_can_edit(actor, upload.cycle)
    if upload.status != UploadStatus.PENDING:
        raise ConflictError(f"This upload is {upload.get_status_display().lower()}; nothing to reject.")
    DemandUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.REJECTED, decided_by=actor,
                                                     decided_at=timezone.now())
    upload.refresh_from_db()
    event_record(actor=actor, verb="demand.upload_rejected", cycle=upload.cycle, step=demand_step(upload.cycle),
                 obj=upload, after={"changes": len(upload.changes)})
    return upload
