"""The import service: one function for every kind and every door (page, API, CLI, demo).

import_data() checks who and where, refuses a hostile file, recognises a duplicate, records an
ImportBatch and runs it (inline, or queued for a Celery worker). run_batch() validates the
whole file and, only when every row is valid, applies it in one transaction with its history
row. A file with one bad row stores nothing; its batch keeps the error report.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from cycles.choices import CycleStatus, StepKind, StepStatus
from cycles.models import Cycle, Step
from cycles.services import event_record
from reviews.imports import files, kinds, load, validate
from reviews.models import ImportBatch, ImportSource, ImportStatus
from reviews.permissions import can_import
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError

log = logging.getLogger(__name__)

#: Files with more data rows than this run in a Celery task when uploaded from the page.
ASYNC_ROWS = 20_000


class IdempotencyMismatch(ApplicationError):
    status_code = 422


def _actor_label(actor) -> str:
    return actor.get_username() if actor is not None and actor.is_authenticated else "system"


def _check_cycle(kind: kinds.Kind, cycle: Cycle | None) -> None:
    if kind.cycle == "required" and cycle is None:
        raise ApplicationError(f"{kind.label} belong to a cycle: say which (--cycle LABEL, or cycle in the API).", {"cycle": "required"})
    if kind.cycle == "none" and cycle is not None:
        raise ApplicationError(f"{kind.label} are master data and belong to no cycle; leave the cycle out.", {"cycle": "not allowed"})
    if cycle is None:
        return
    if cycle.status != CycleStatus.OPEN:
        raise ConflictError(f"Cycle {cycle.label} is {cycle.get_status_display().lower()}; its data cannot change.")
    step = Step.objects.filter(cycle=cycle, kind=StepKind.DATA_GATHERING).first()
    if step is not None and step.status == StepStatus.SIGNED_OFF:
        raise ConflictError(
            f"Data gathering of cycle {cycle.label} is signed off; the process owner reopens it before data changes."
        )


def request_fingerprint(*, kind: str, cycle: Cycle | None, dry_run: bool, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{kind}|{cycle.label if cycle else ''}|{int(dry_run)}|".encode())
    digest.update(body)
    return digest.hexdigest()


def _replay(actor, key: str, fingerprint: str) -> ImportBatch | None:
    if not key:
        return None
    batch = ImportBatch.objects.filter(actor=actor, idempotency_key=key).first()
    if batch is None:
        return None
    if batch.request_hash != fingerprint:
        raise IdempotencyMismatch(
            "This Idempotency-Key was used for another request; use a new key for new data.",
            {"idempotency_key": key, "batch": batch.pk},
        )
    return batch


def _latest_applied(kind: str, cycle: Cycle | None) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(kind=kind, cycle=cycle, status=ImportStatus.APPLIED, dry_run=False)
        .order_by("-finished_at", "-id")
        .first()
    )


def import_data(
    *,
    actor,
    kind: str,
    source: files.Source,
    cycle: Cycle | None = None,
    dry_run: bool = False,
    origin: str = ImportSource.CLI,
    idempotency_key: str = "",
    request_hash: str = "",
    run_async: bool | None = False,
) -> ImportBatch:
    """Imports one file (or JSON rows) of a kind; returns its batch whatever the outcome.

    Raises only for refusals of the request itself (permission, cycle, idempotency key);
    a refused or invalid file comes back as a REJECTED batch with its errors.
    run_async=None: queue big uploads (over ASYNC_ROWS rows), run small ones inline.
    """
    spec = kinds.get(kind)
    if actor is None or not can_import(actor, kind):
        raise PermissionDeniedError(f"Your role may not import {spec.label.lower()}.", {"kind": kind})
    _check_cycle(spec, cycle)
    replay = _replay(actor, idempotency_key, request_hash)
    if replay is not None:
        return replay
    batch = ImportBatch(
        kind=kind, cycle=cycle, source=origin, filename=(source.name or "")[:255], dry_run=dry_run,
        actor=actor, actor_label=_actor_label(actor), idempotency_key=idempotency_key, request_hash=request_hash,
        status=ImportStatus.RUNNING, started_at=timezone.now(),
    )
    try:
        files.inspect(source)
    except files.FileRefused as exc:
        batch.file_format = source.format
        return _finish_refused(batch, exc.message)
    batch.file_format, batch.file_hash, batch.file_size = source.format, source.sha256, source.size
    if not dry_run:
        previous = _latest_applied(kind, cycle)
        if previous is not None and previous.file_hash == source.sha256:
            batch.status = ImportStatus.DUPLICATE
            batch.duplicate_of = previous
            batch.row_count = previous.row_count
            batch.rows_unchanged = previous.row_count
            batch.message = f"Already imported as batch #{previous.pk} on {previous.finished_at:%Y-%m-%d %H:%M}; nothing changed."
            batch.finished_at = timezone.now()
            batch.progress = 100
            return _save_new(batch)
    queue = run_async if run_async is not None else source.lines > ASYNC_ROWS
    if queue:
        batch.status = ImportStatus.PENDING
        batch.heartbeat_at = timezone.now()
        batch.stored_path = _store(source)
        batch = _save_new(batch)
        from reviews.tasks import run_import

        transaction.on_commit(lambda: run_import.delay(batch.pk))
        return batch
    batch = _save_new(batch)
    return run_batch(batch, source=source)


def _save_new(batch: ImportBatch) -> ImportBatch:
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:  # the same idempotency key, a moment earlier
        existing = ImportBatch.objects.filter(actor=batch.actor, idempotency_key=batch.idempotency_key).first()
        if existing is None:
            raise
        if existing.request_hash != batch.request_hash:
            raise IdempotencyMismatch("This Idempotency-Key was used for another request.") from None
        return existing
    return batch


def _store(source: files.Source) -> str:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.{source.format}"
    if source.rows is not None:
        import json

        path.write_text(json.dumps(source.rows))
    else:
        with source.open() as src, open(path, "wb") as dst:
            while chunk := src.read(files.CHUNK):
                dst.write(chunk)
    return str(path)


def _finish_refused(batch: ImportBatch, message: str) -> ImportBatch:
    batch.status = ImportStatus.REJECTED
    batch.error_count = 1
    batch.errors = [{"row": 0, "column": "", "value": "", "reason": message}]
    batch.message = f"Refused: {message}"
    batch.finished_at = timezone.now()
    batch.progress = 100
    batch = _save_new(batch)
    _record(batch, "import.rejected")
    return batch


def _step(batch: ImportBatch) -> Step | None:
    if batch.cycle_id is None:
        return None
    return Step.objects.filter(cycle_id=batch.cycle_id, kind=StepKind.DATA_GATHERING).first()


def _summary(batch: ImportBatch) -> dict:
    return {
        "batch": batch.pk, "kind": batch.kind, "status": batch.status, "file": batch.filename, "sha256": batch.file_hash,
        "rows": batch.row_count, "added": batch.rows_added, "updated": batch.rows_updated,
        "unchanged": batch.rows_unchanged, "removed": batch.rows_removed, "errors": batch.error_count,
        "scope": batch.scope, "dry_run": batch.dry_run,
    }


def _record(batch: ImportBatch, verb: str, *, before=None, changes=None) -> None:
    after = _summary(batch)
    if changes:
        after["changes"] = changes
    event_record(
        actor=batch.actor, verb=verb, cycle=batch.cycle, step=_step(batch), obj=batch,
        object_repr=f"Import #{batch.pk} {batch.kind} {batch.filename}".strip(), before=before, after=after,
        comment=batch.message,
    )


def _progress(batch: ImportBatch, value: int) -> None:
    value = max(0, min(100, value))
    if value != batch.progress:
        batch.progress = value
        ImportBatch.objects.filter(pk=batch.pk).update(progress=value, heartbeat_at=timezone.now())


def _lock(kind: str) -> None:
    """Serialises imports of a kind (their scopes may overlap). SQLite's IMMEDIATE transactions
    already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sop-import:{kind}"])


def run_batch(batch: ImportBatch, *, source: files.Source | None = None) -> ImportBatch:
    """Validates and applies a batch that is saved as RUNNING (or PENDING, for the worker)."""
    started = time.monotonic()
    spec = kinds.get(batch.kind)
    if source is None:
        path = Path(batch.stored_path)
        try:
            if batch.file_format == "json":
                import json

                source = files.Source(name=batch.filename, rows=json.loads(path.read_text()))
            else:
                source = files.Source(name=batch.filename, path=path)
            files.inspect(source)
        except files.FileRefused as exc:
            return _finish_refused_existing(batch, exc.message, started)
        except (OSError, ValueError) as exc:
            return _finish_refused_existing(batch, f"The uploaded file is no longer readable ({exc.__class__.__name__}); upload it again.", started)
    estimated = max(source.lines, 1)
    try:
        header, batches = files.read(source)
        lookups = load.lookups(spec)
    except files.FileRefused as exc:
        return _finish_refused_existing(batch, exc.message, started)
    if spec.is_actuals:
        return _run_actuals(batch, spec, header, batches, lookups, estimated, started)
    result, finished = _validate_whole(batch, spec, header, batches, lookups, estimated, started)
    if finished is not None:
        return finished
    try:
        with transaction.atomic():
            _lock(spec.name)
            outcome = load.master_apply(spec, result.table, result.errors, dry_run=batch.dry_run)
            if result.ok:
                _settled(batch, spec, outcome, started)
            else:
                transaction.set_rollback(True)
    except Exception as exc:
        return _failed(batch, exc)
    if not result.ok:
        return _finish_rejected(batch, result.errors, started)
    return batch


def _validate_whole(batch: ImportBatch, spec: kinds.Kind, header, batches, lookups, estimated: int, started: float):
    """Validates the whole file before anything is written: (the result, None), or (None, the
    batch finished as refused or rejected)."""
    try:
        result = validate.validate(spec, header, batches, lookups,
                                   progress=lambda rows: _progress(batch, int(60 * rows / estimated)))
    except files.FileRefused as exc:
        return None, _finish_refused_existing(batch, exc.message, started)
    batch.row_count = result.rows
    if not result.ok:
        return None, _finish_rejected(batch, result.errors, started)
    _progress(batch, 65)
    return result, None


def _run_actuals(batch: ImportBatch, spec: kinds.Kind, header, batches, lookups, estimated: int, started: float) -> ImportBatch:
    """Actuals: on PostgreSQL the rows are COPYed into their table block by block while the rest
    of the file is validated, in the transaction that commits them with the batch and its history
    only when the whole file is valid (and not a dry run). Elsewhere, or for dated rows (summed
    into months across the file), the file is validated first and written after."""
    stream = load.streams(spec, header)
    result = None
    if not stream:
        result, finished = _validate_whole(batch, spec, header, batches, lookups, estimated, started)
        if finished is not None:
            return finished
    side = _SideProgress(batch, estimated) if stream else None
    try:
        with transaction.atomic():
            _lock(spec.name)
            writer = load.ActualsWriter(spec, batch_id=batch.pk, cycle=batch.cycle)
            try:
                if stream:
                    result = validate.validate(spec, header, batches, lookups, progress=side.update, sink=writer.add)
                    batch.row_count = result.rows
                else:
                    writer.add(result.table)
            except BaseException:
                writer.close(abort=True)
                raise
            if result.ok:
                _settled(batch, spec, writer.settle(), started)
            else:
                writer.close(abort=True)
            if not result.ok or batch.dry_run:
                transaction.set_rollback(True)
    except files.FileRefused as exc:
        return _finish_refused_existing(batch, exc.message, started)
    except Exception as exc:
        return _failed(batch, exc)
    finally:
        if side is not None:
            side.close()
    if not result.ok:
        return _finish_rejected(batch, result.errors, started)
    if batch.dry_run:
        batch.save()  # the transaction that wrote the rows was rolled back
    else:
        from reviews.services import quality

        quality.checks_after_import(batch=batch)
    return batch


def _settled(batch: ImportBatch, spec: kinds.Kind, outcome: load.Outcome, started: float) -> None:
    """Records a valid batch's outcome; applied batches are saved with their history in the
    caller's transaction (a dry run's is saved by the caller, outside it)."""
    batch.rows_added, batch.rows_updated = outcome.added, outcome.updated
    batch.rows_unchanged, batch.rows_removed = outcome.unchanged, outcome.removed
    batch.scope = {**outcome.scope, "replaced": outcome.replaced} if spec.is_actuals else outcome.scope
    batch.status = ImportStatus.VALIDATED if batch.dry_run else ImportStatus.APPLIED
    batch.progress = 100
    batch.finished_at = timezone.now()
    batch.seconds = round(time.monotonic() - started, 3)
    batch.message = _message(batch, spec)
    if not batch.dry_run or not spec.is_actuals:
        batch.save()
    if not batch.dry_run:
        _record(batch, "import.applied", changes=outcome.changes or None)


def _failed(batch: ImportBatch, exc: Exception) -> ImportBatch:
    log.exception("import batch %s failed", batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.FAILED, finished_at=timezone.now(), progress=100,
        message=f"The import failed and stored nothing: {exc.__class__.__name__}: {str(exc)[:300]}",
    )
    batch.refresh_from_db()
    return batch


class _SideProgress:
    """Progress and heartbeat of a batch whose rows are written while it is validated: the
    import's transaction is open meanwhile, so these go through a second, autocommit connection
    (opened only for files big enough to watch), where the page and the reaper see them.
    Best effort: a failure here never stops the import."""

    MIN_ROWS = 20_000
    EVERY = 0.5  # seconds between updates

    def __init__(self, batch: ImportBatch, estimated: int):
        self.batch, self.estimated = batch, estimated
        self.conn = None
        self.last = 0.0
        if estimated >= self.MIN_ROWS and connection.vendor == "postgresql":
            try:
                import psycopg

                params = {k: v for k, v in connection.get_connection_params().items()
                          if k in ("dbname", "user", "password", "host", "port", "sslmode", "options")}
                self.conn = psycopg.connect(**params, autocommit=True, connect_timeout=5)
                self.conn.execute("SET lock_timeout = '2s'")
            except Exception:  # noqa: BLE001 - progress is optional
                log.warning("import batch %s: no progress connection", batch.pk, exc_info=True)
                self.conn = None

    def update(self, rows: int) -> None:
        if self.conn is None or time.monotonic() - self.last < self.EVERY:
            return
        self.last = time.monotonic()
        value = max(0, min(95, int(95 * rows / self.estimated)))
        try:
            self.conn.execute(
                f"UPDATE {ImportBatch._meta.db_table} SET progress = %s, heartbeat_at = %s WHERE id = %s",
                [value, timezone.now(), self.batch.pk],
            )
            self.batch.progress = value
        except Exception:  # noqa: BLE001
            log.warning("import batch %s: progress not recorded", self.batch.pk, exc_info=True)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _message(batch: ImportBatch, spec: kinds.Kind) -> str:
    verb = "Would import" if batch.dry_run else "Imported"
    parts = f"{batch.rows_added} added, {batch.rows_updated} updated, {batch.rows_unchanged} unchanged"
    if batch.rows_removed:
        parts += f", {batch.rows_removed} removed"
    return f"{verb} {batch.row_count} rows of {spec.label.lower()}: {parts}."


def _finish_rejected(batch: ImportBatch, errors: validate.Errors, started: float) -> ImportBatch:
    batch.status = ImportStatus.REJECTED
    batch.error_count = errors.count
    batch.errors = errors.sorted_items()
    more = errors.count - len(batch.errors)
    batch.message = (
        f"Rejected: {errors.count} error{'s' if errors.count != 1 else ''} in {batch.row_count} rows; nothing was stored."
        + (f" The first {len(batch.errors)} are listed, {more} more not shown." if more else "")
    )
    batch.finished_at = timezone.now()
    batch.progress = 100
    batch.seconds = round(time.monotonic() - started, 3)
    batch.rows_added = batch.rows_updated = batch.rows_unchanged = batch.rows_removed = 0
    batch.save()
    if not batch.dry_run:
        _record(batch, "import.rejected")
    return batch


def _finish_refused_existing(batch: ImportBatch, message: str, started: float) -> ImportBatch:
    errors = validate.Errors()
    errors.add(0, "", "", message)
    return _finish_rejected(batch, errors, started)


#: A running batch whose heartbeat is older than this is taken as lost (its worker died).
STALE_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3


def claim(batch_id: int) -> ImportBatch | None:
    """A worker claims a queued batch, or one whose worker died (stale heartbeat), by a
    conditional update; a duplicate delivery finds it claimed and exits. Nothing of a batch is
    stored before its one final transaction, so running it again is safe."""
    now = timezone.now()
    claimable = Q(status=ImportStatus.PENDING) | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    updated = ImportBatch.objects.filter(claimable, pk=batch_id, attempts__lt=MAX_ATTEMPTS).update(
        status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1,
    )
    if not updated:
        return None
    return ImportBatch.objects.select_related("cycle", "actor").get(pk=batch_id)


def reap_stale(*, now: dt.datetime | None = None) -> int:
    """Marks batches whose worker stopped beating (and that may not be retried) as failed."""
    now = now or timezone.now()
    return ImportBatch.objects.filter(
        status__in=[ImportStatus.RUNNING, ImportStatus.PENDING], heartbeat_at__lt=now - STALE_AFTER * MAX_ATTEMPTS,
    ).update(status=ImportStatus.FAILED, finished_at=now, progress=100,
             message="The import's worker stopped before it finished; nothing was stored. Upload the file again.")
