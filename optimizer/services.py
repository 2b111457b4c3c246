"""Every write a person (or the ERP) makes on scenarios and solves; one transaction each with
its history row, the job sent to Celery after commit.

The worker's side (claim, progress, store, reaper) is in :mod:`optimizer.execution`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cycles.choices import CycleStatus, StepKind, StepStatus
from cycles.models import Cycle, Step
from cycles.services import event_record
from optimizer import conf
from optimizer.choices import RERUNNABLE, RunStatus
from optimizer.engine import ProblemError, validate
from optimizer.levers import LeverError, apply_levers, check_levers
from optimizer.models import Scenario, SolveRun
from sop.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
)

log = logging.getLogger(__name__)

MAX_CODE_LENGTH = 60
MAX_PERIOD_LENGTH = 20


class PayloadTooLargeError(ApplicationError):
    status_code = 413


@dataclass(frozen=True)
class BuiltProblem:
    document: dict[str, Any]
    demand_source: str


# --- helpers -----------------------------------------------------------------------------------

def _require(actor, perm: str, obj=None, message: str = "Your role may not do this.") -> None:
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionDeniedError(message)


def canonical_json(doc: Any, *, allow_nan: bool = False) -> bytes:
    """The document's canonical bytes (sorted keys, no spaces): what its sha256 is taken of."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan).encode()


def problem_sha256(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def _work_step(cycle: Cycle | None) -> Step | None:
    """The step whose history shows solve events: supply review or pre-S&OP while in play."""
    if cycle is None:
        return None
    return (
        Step.objects.filter(cycle=cycle, kind__in=[StepKind.SUPPLY_REVIEW, StepKind.PRE_SOP],
                            status__in=[StepStatus.OPEN, StepStatus.SENT_BACK])
        .order_by("position").first()
    )


def _record(*, actor, verb: str, run: SolveRun | None = None, scenario: Scenario | None = None,
            before=None, after=None, comment: str = "") -> None:
    cycle = run.cycle if run is not None else scenario.cycle if scenario is not None else None
    event_record(actor=actor, verb=verb, cycle=cycle, step=_work_step(cycle),
                 obj=run if run is not None else scenario, before=before, after=after, comment=comment)


def _check_lengths(doc: dict[str, Any], prefix: str) -> None:
    """Codes and period labels must fit the plan tables' columns."""
    for t, period in enumerate(doc.get("periods") or []):
        if isinstance(period, str) and len(period) > MAX_PERIOD_LENGTH:
            raise ApplicationError(f"{prefix}periods[{t}]: at most {MAX_PERIOD_LENGTH} characters",
                                   {"path": f"{prefix}periods[{t}]"})
    for key in ("families", "channels", "resources", "components"):
        for i, item in enumerate(doc.get(key) or []):
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and len(code) > MAX_CODE_LENGTH:
                raise ApplicationError(f"{prefix}{key}[{i}].code: at most {MAX_CODE_LENGTH} characters",
                                       {"path": f"{prefix}{key}[{i}].code"})


def check_problem(doc: Any, *, prefix: str = "problem.") -> tuple[bytes, list[str]]:
    """Size, engine validation and column lengths; returns (canonical bytes, warnings).
    Raises ApplicationError naming the field path (413 when too large)."""
    try:
        raw = canonical_json(doc, allow_nan=True)  # NaN is refused below, naming its path
    except (TypeError, ValueError) as exc:
        raise ApplicationError(f"{prefix.rstrip('.')}: not a JSON document ({exc})") from exc
    limit = conf.get("MAX_PROBLEM_BYTES")
    if len(raw) > limit:
        raise PayloadTooLargeError(
            f"The problem document is {len(raw):,} bytes; at most {limit:,} bytes are accepted.",
            {"bytes": len(raw), "limit": limit},
        )
    try:
        warnings = validate(doc)
    except ProblemError as exc:
        path = prefix + exc.path if exc.path != "$" else prefix.rstrip(".")
        raise ApplicationError(f"{path}: {exc.reason}", {"path": path, "reason": exc.reason}) from exc
    _check_lengths(doc, prefix)
    return raw, warnings


def _options(time_limit: float | None, gap: float | None, baseline: bool) -> dict[str, Any]:
    if time_limit is not None and not time_limit > 0:
        raise ApplicationError("time_limit: must be > 0 seconds", {"path": "time_limit"})
    if gap is not None and not 0 <= gap <= 1:
        raise ApplicationError("gap: must be between 0 and 1", {"path": "gap"})
    return {
        "time_limit": time_limit,
        "time_limit_effective": conf.effective_time_limit(time_limit),
        "gap": 1e-4 if gap is None else float(gap),
        "baseline": bool(baseline),
    }


# --- scenarios ---------------------------------------------------------------------------------

def _clean_levers(levers: Any) -> list[dict[str, Any]]:
    try:
        return check_levers(levers)
    except LeverError as exc:
        raise ApplicationError(str(exc), {"path": exc.path, "reason": exc.reason}) from exc


def _clean_base(base_problem: Any) -> dict[str, Any] | None:
    if base_problem in (None, {}, ""):
        return None
    check_problem(base_problem, prefix="base_problem.")
    return base_problem


def _scenario_state(s: Scenario) -> dict[str, Any]:
    return {"name": s.name, "description": s.description, "levers": s.levers,
            "base_problem_sha256": problem_sha256(s.base_problem) if s.base_problem else None, "version": s.version}


def _check_cycle(cycle: Cycle) -> None:
    if cycle.status == CycleStatus.CANCELLED:
        raise ApplicationError(f"Cycle {cycle.label} was cancelled; its scenarios are read-only.")


@transaction.atomic
def scenario_create(*, actor, cycle: Cycle, name: str, description: str = "", levers: Any = None,
                    base_problem: Any = None) -> Scenario:
    _require(actor, "optimizer.edit_scenarios", message="Your role may not create scenarios.")
    _check_cycle(cycle)
    name = (name or "").strip()
    if not name:
        raise ApplicationError("name: a scenario needs a name", {"path": "name"})
    levers = _clean_levers(levers)
    base = _clean_base(base_problem)
    try:
        with transaction.atomic():
            scenario = Scenario.objects.create(cycle=cycle, name=name, description=description or "",
                                               levers=levers, base_problem=base, created_by=actor)
    except IntegrityError as exc:
        raise ConflictError(f"Cycle {cycle.label} already has a scenario named {name!r}.", {"path": "name"}) from exc
    _record(actor=actor, verb="scenario.created", scenario=scenario, after=_scenario_state(scenario))
    return scenario


_UNSET: Any = object()


@transaction.atomic
def scenario_update(*, actor, scenario: Scenario, version: int, name: str = _UNSET, description: str = _UNSET,
                    levers: Any = _UNSET, base_problem: Any = _UNSET) -> Scenario:
    """Edits a scenario; ``version`` is the one the caller read (a stale one gets 412)."""
    _require(actor, "optimizer.edit_scenarios", scenario, message="Your role may not change scenarios.")
    _check_cycle(scenario.cycle)
    current = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if current.version != version:
        raise PreconditionFailedError(
            f"Scenario {current.name!r} was changed by someone else (version {current.version}, you had {version}); "
            "reload and apply your change again.", {"version": current.version},
        )
    before = _scenario_state(current)
    fields: dict[str, Any] = {}
    if name is not _UNSET:
        name = (name or "").strip()
        if not name:
            raise ApplicationError("name: a scenario needs a name", {"path": "name"})
        fields["name"] = name
    if description is not _UNSET:
        fields["description"] = description or ""
    if levers is not _UNSET:
        fields["levers"] = _clean_levers(levers)
    if base_problem is not _UNSET:
        fields["base_problem"] = _clean_base(base_problem)
    fields["version"] = current.version + 1
    fields["updated_at"] = timezone.now()
    try:
        with transaction.atomic():
            updated = Scenario.objects.filter(pk=current.pk, version=version).update(**fields)
    except IntegrityError as exc:
        raise ConflictError(f"Cycle {current.cycle.label} already has a scenario named {fields.get('name')!r}.",
                            {"path": "name"}) from exc
    if updated != 1:  # pragma: no cover - the row is locked above
        raise ConflictError("The scenario changed while you were saving; reload.")
    scenario.refresh_from_db()
    _record(actor=actor, verb="scenario.changed", scenario=scenario, before=before, after=_scenario_state(scenario))
    return scenario


@transaction.atomic
def scenario_delete(*, actor, scenario: Scenario) -> None:
    _require(actor, "optimizer.edit_scenarios", scenario, message="Your role may not delete scenarios.")
    if scenario.runs.exists():
        raise ConflictError(
            f"Scenario {scenario.name!r} has solve runs, which keep their problem and plan; it cannot be deleted."
        )
    _record(actor=actor, verb="scenario.deleted", scenario=scenario, before=_scenario_state(scenario))
    scenario.delete()


def scenario_problem(*, scenario: Scenario) -> BuiltProblem:
    """The scenario's problem document: its base (uploaded, or built from the catalog and the
    cycle's data) with its levers applied. Raises ApplicationError naming what is wrong."""
    if scenario.base_problem:
        base = scenario.base_problem
        source = "the scenario's uploaded base problem document"
    else:
        from optimizer import builder

        built = builder.build_problem(cycle=scenario.cycle)
        base, source = built.document, built.demand_source
    try:
        doc = apply_levers(base, scenario.levers)
    except LeverError as exc:
        raise ApplicationError(f"Scenario {scenario.name!r}: {exc}", {"path": exc.path, "reason": exc.reason}) from exc
    if scenario.levers:
        doc["name"] = f"{base.get('name') or scenario.cycle.label} · {scenario.name}"
    else:
        doc.setdefault("name", scenario.name)
    return BuiltProblem(document=doc, demand_source=source)


# --- solves ------------------------------------------------------------------------------------

def _enqueue(run_id: int, task_id: str) -> None:
    """Sends the job; if the broker refuses, the run is failed with the reason (re-runnable)."""
    from optimizer import tasks

    try:
        tasks.solve_run.apply_async(args=[run_id], task_id=task_id)
    except Exception as exc:  # the broker is down: say so in the run instead of leaving it queued
        log.exception("could not enqueue solve run %s", run_id)
        SolveRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED, finished_at=timezone.now(),
            error=f"Could not reach the job queue: {type(exc).__name__}: {exc}",
        )


def enqueue_on_commit(run: SolveRun) -> None:
    run_id, task_id = run.pk, run.task_id
    transaction.on_commit(lambda: _enqueue(run_id, task_id))


def _create_run(*, actor, problem: dict, raw: bytes, options: dict, scenario: Scenario | None,
                cycle: Cycle | None, demand_source: str, levers: list, rerun_of: SolveRun | None = None,
                warnings: list[str] | None = None) -> SolveRun:
    run = SolveRun.objects.create(
        scenario=scenario, cycle=cycle, created_by=actor if actor is not None and actor.is_authenticated else None,
        rerun_of=rerun_of, status=RunStatus.QUEUED, max_attempts=conf.get("MAX_ATTEMPTS"),
        phase="queued", options=options, problem=problem, problem_sha256=hashlib.sha256(raw).hexdigest(),
        problem_name=str(problem.get("name") or "")[:200], problem_bytes=len(raw),
        demand_source=demand_source[:200], levers=levers, task_id=str(uuid.uuid4()),
        stats={"validation_warnings": warnings} if warnings else {},
    )
    return run


@transaction.atomic
def solve_submit(*, actor, problem: dict | None = None, scenario: Scenario | None = None,
                 cycle: Cycle | None = None, time_limit: float | None = None, gap: float | None = None,
                 baseline: bool = True) -> SolveRun:
    """Queues a solve of a problem document or of a scenario. The document is validated first:
    an invalid one is refused (400 naming the field) and nothing is stored."""
    _require(actor, "optimizer.run_solves", message="Your role may not run solves.")
    if (problem is None) == (scenario is None):
        raise ApplicationError("Give either a problem document or a scenario, not both.", {"path": "problem"})
    options = _options(time_limit, gap, baseline)
    levers: list = []
    if scenario is not None:
        _check_cycle(scenario.cycle)
        built = scenario_problem(scenario=scenario)
        problem, source, cycle, levers = built.document, built.demand_source, scenario.cycle, scenario.levers
        try:
            raw, warnings = check_problem(problem, prefix="")
        except ApplicationError as exc:
            if exc.status_code != 400:
                raise
            raise ApplicationError(f"The problem built for scenario {scenario.name!r} is invalid: {exc.message}",
                                   exc.extra) from exc
    else:
        source = "submitted problem document"
        raw, warnings = check_problem(problem)
    run = _create_run(actor=actor, problem=problem, raw=raw, options=options, scenario=scenario, cycle=cycle,
                      demand_source=source, levers=levers, warnings=warnings)
    _record(actor=actor, verb="solve.submitted", run=run,
            after={"status": run.status, "scenario": scenario.pk if scenario else None,
                   "problem_sha256": run.problem_sha256, "options": options, "demand_source": source})
    enqueue_on_commit(run)
    return run


@transaction.atomic
def solve_cancel(*, actor, run: SolveRun) -> SolveRun:
    """A queued run is cancelled at once; a running one is asked to stop (the worker polls the
    flag and marks it cancelled within a second or two)."""
    _require(actor, "optimizer.manage_run", run, message="Your role may not cancel this solve.")
    now = timezone.now()
    who = actor.get_username()
    if SolveRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.CANCELLED, cancel_requested=True, cancelled_by=actor, finished_at=now,
        phase="cancelled", error=f"Cancelled by {who} before it started.",
    ):
        run.refresh_from_db()
        _record(actor=actor, verb="solve.cancelled", run=run, before={"status": "queued"}, after={"status": run.status})
        return run
    if SolveRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(cancel_requested=True, cancelled_by=actor):
        run.refresh_from_db()
        _record(actor=actor, verb="solve.cancel_requested", run=run, after={"cancel_requested": True})
        return run
    run.refresh_from_db()
    raise ConflictError(f"Solve #{run.pk} is {run.get_status_display().lower()}; only a queued or running solve "
                        "can be cancelled.", {"status": run.status})


@transaction.atomic
def solve_rerun(*, actor, run: SolveRun) -> SolveRun:
    """A new run of the same problem document and options (a failed or cancelled run stays as it was)."""
    _require(actor, "optimizer.manage_run", run, message="Your role may not re-run this solve.")
    _require(actor, "optimizer.run_solves", message="Your role may not run solves.")
    run = SolveRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in RERUNNABLE:
        raise ConflictError(f"Solve #{run.pk} is {run.get_status_display().lower()}; only a failed or cancelled "
                            "solve is re-run (solve the scenario again for a fresh problem).", {"status": run.status})
    raw = canonical_json(run.problem)
    new = _create_run(actor=actor, problem=run.problem, raw=raw, options=run.options, scenario=run.scenario,
                      cycle=run.cycle, demand_source=run.demand_source, levers=run.levers, rerun_of=run)
    _record(actor=actor, verb="solve.rerun", run=new, after={"rerun_of": run.pk, "status": new.status})
    enqueue_on_commit(new)
    return new


def get_run(run_id: int) -> SolveRun:
    try:
        return SolveRun.objects.select_related("scenario", "cycle").get(pk=run_id)
    except SolveRun.DoesNotExist as exc:
        raise NotFoundError(f"No solve #{run_id}.") from exc


__all__ = [
    "BuiltProblem", "PayloadTooLargeError", "check_problem", "get_run", "problem_sha256", "scenario_create",
    "scenario_delete", "scenario_problem", "scenario_update", "solve_cancel", "solve_rerun", "solve_submit",
]
