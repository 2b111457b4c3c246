"""The baseline forecast job: a run row per cycle, chunks of a few hundred series, one Celery
task per chunk (statsforecast is imported in the worker only, n_jobs=1), the last chunk to
finish puts the new baseline under the consensus.

Reliability (ARCHITECTURE.md): the run row is the record the page polls; a chunk is claimed by
a conditional update so a duplicate delivery exits; a worker lost mid-chunk leaves the chunk
`running` with a stale heartbeat, which a redelivery (acks_late) may claim again, up to
MAX_ATTEMPTS; a run whose heartbeat went stale is marked failed when the next run starts.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Q, Sum
from django.utils import timezone

from cycles.models import Cycle
from cycles.services import event_record
from reviews.demand import months
from reviews.demand.allocation import q
from reviews.demand.permissions import RUN_ROLE_REFUSAL, RUNNER_ROLES, run_state_refusal
from reviews.demand.services import consensus_rebuild, demand_step, lock_plan, next_revision
from reviews.models import (
    BaselineForecast,
    ForecastChunk,
    ForecastRun,
    RunStatus,
    SafetyStockSuggestion,
    SeriesDiagnostic,
    Shipment,
)
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError
from sop.roles import user_roles

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MAX_HISTORY_MONTHS = 120
#: Candidate sets a run may use: the engine's measured presets, and a quick one for the demo
#: seed's earlier cycles (fewer candidates, one backtest window).
PRESETS = ("fast", "full", "quick")


def engine_config(preset: str):
    from reviews.forecasting import candidates
    from reviews.forecasting.engine import PRESETS as ENGINE_PRESETS
    from reviews.forecasting.engine import EngineConfig

    if preset == "quick":
        return EngineConfig(smooth=("seasonal_naive", "ses", "theta"), intermittent=("croston_sba", "mean"),
                            combo=(), backtest_windows=1, incumbent=candidates.COMBO)
    return ENGINE_PRESETS.get(preset, ENGINE_PRESETS["fast"])


def _setting(name: str, default):
    return getattr(settings, name, default)


def chunk_size() -> int:
    return int(_setting("DEMAND_FORECAST_CHUNK", 250))


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(_setting("DEMAND_FORECAST_STALE_SECONDS", 900)))


def _reap(cycle: Cycle, *, actor) -> None:
    """Marks the cycle's active runs whose heartbeat went stale as failed."""
    limit = timezone.now() - stale_after()
    stale = ForecastRun.objects.filter(cycle=cycle, status__in=[RunStatus.PENDING, RunStatus.RUNNING]).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit))
    for run in stale:
        if ForecastRun.objects.filter(pk=run.pk, status=run.status).update(
                status=RunStatus.FAILED, finished_at=timezone.now(),
                error="No sign of life from the worker for a while: the run was abandoned."):
            event_record(actor=actor, verb="demand.baseline_failed", cycle=cycle, obj=run,
                         comment="Stale heartbeat: abandoned.")


@transaction.atomic
def forecast_run_start(*, actor, cycle: Cycle, enqueue: bool = True, preset: str = "fast") -> ForecastRun:
    """Starts a baseline forecast of every family x channel with shipment history before the
    cycle's first month, over the cycle's horizon."""
    if not RUNNER_ROLES & user_roles(actor):
        raise PermissionDeniedError(RUN_ROLE_REFUSAL)
    reason = run_state_refusal(cycle)
    if reason:
        raise ConflictError(reason)
    if preset not in PRESETS:
        raise ApplicationError(f"Unknown preset {preset!r}; use one of {', '.join(PRESETS)}.", {"preset": "unknown"})
    lock_plan(cycle)
    _reap(cycle, actor=actor)
    active = ForecastRun.objects.filter(cycle=cycle, status__in=[RunStatus.PENDING, RunStatus.RUNNING]).first()
    if active is not None:
        raise ConflictError(f"A baseline forecast of cycle {cycle.label} is already running "
                            f"({active.progress} %); wait for it to finish.", {"run": active.pk})
    start = months.month(cycle.start_month)
    history = Shipment.objects.filter(period__lt=start, family__isnull=False)
    bounds = history.aggregate(first=Min("period"), last=Max("period"))
    if bounds["last"] is None:
        raise ApplicationError(f"There is no shipment history before {cycle.label} to forecast from: "
                               "import shipments in data gathering first.")
    last = months.month(bounds["last"])
    first = max(months.month(bounds["first"]), months.add(last, -(MAX_HISTORY_MONTHS - 1)))
    history = history.filter(period__gte=first)
    pairs = sorted(set(history.values_list("family_id", "channel_id").distinct()))
    horizon = months.between(last, months.add(start, cycle.horizon_months - 1))
    try:
        with transaction.atomic():
            run = ForecastRun.objects.create(
                cycle=cycle, created_by=actor, history_start=first, history_end=last, horizon=horizon,
                series_total=len(pairs), heartbeat_at=timezone.now(), preset=preset)
    except IntegrityError as exc:
        raise ConflictError(f"A baseline forecast of cycle {cycle.label} was started at the same moment.") from exc
    from reviews.forecasting import chunk_series

    chunks = chunk_series([list(p) for p in pairs], size=chunk_size())
    ForecastChunk.objects.bulk_create([ForecastChunk(run=run, index=i, series=c) for i, c in enumerate(chunks)])
    ForecastRun.objects.filter(pk=run.pk).update(chunks_total=len(chunks))
    run.chunks_total = len(chunks)
    event_record(actor=actor, verb="demand.baseline_started", cycle=cycle, step=demand_step(cycle), obj=run,
                 after={"series": len(pairs), "chunks": len(chunks), "history": [months.label(first), months.label(last)],
                        "horizon": horizon})
    if enqueue:
        ids = list(run.chunks.values_list("pk", flat=True))

        def _send():
            from reviews.demand.tasks import forecast_chunk

            for chunk_id in ids:
                forecast_chunk.delay(chunk_id)

        transaction.on_commit(_send)
    return run


def forecast_run_execute(run: ForecastRun) -> ForecastRun:
    """Runs every chunk of a run in this process (the demo seed, tests, the CLI)."""
    for chunk_id in run.chunks.order_by("index").values_list("pk", flat=True):
        forecast_chunk_process(chunk_id)
    return ForecastRun.objects.get(pk=run.pk)


def _history_frame(run: ForecastRun, series: list[list[int]]):
    import pandas as pd

    fams = {f for f, _ in series}
    chans = {c for _, c in series}
    wanted = {(f, c) for f, c in series}
    rows = (Shipment.objects.filter(family_id__in=fams, channel_id__in=chans, period__gte=run.history_start,
                                    period__lte=run.history_end)
            .values("family_id", "channel_id", "period").annotate(quantity=Sum("quantity")).order_by())
    data = [(f"{r['family_id']}:{r['channel_id']}", months.label(r["period"]), float(r["quantity"]))
            for r in rows if (r["family_id"], r["channel_id"]) in wanted]
    # Every series ends at the last history month, so its forecast starts the month after.
    end = months.label(run.history_end)
    data += [(f"{f}:{c}", end, 0.0) for f, c in sorted(wanted)]
    return pd.DataFrame(data, columns=["series", "period", "quantity"])


def _claim(chunk_id: int) -> bool:
    limit = timezone.now() - stale_after()
    return bool(ForecastChunk.objects.filter(pk=chunk_id, attempts__lt=MAX_ATTEMPTS).filter(
        Q(status=RunStatus.PENDING) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=limit)
    ).update(status=RunStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now()))


def _num(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def forecast_chunk_process(chunk_id: int) -> str:
    """Forecasts one chunk's series and stores them; the last chunk finalises the run."""
    if not _claim(chunk_id):
        return "skipped"
    chunk = ForecastChunk.objects.select_related("run", "run__cycle").get(pk=chunk_id)
    run = chunk.run
    if run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
        ForecastChunk.objects.filter(pk=chunk.pk).update(status=RunStatus.FAILED, error="The run is no longer active.")
        return "inactive"
    ForecastRun.objects.filter(pk=run.pk, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now())
    began = time.monotonic()
    try:
        from reviews.forecasting import forecast_many  # statsforecast loads lazily, here in the worker

        history = _history_frame(run, chunk.series)
        last_beat = [time.monotonic()]

        def beat(done: int, total: int) -> None:
            if time.monotonic() - last_beat[0] > 5:
                last_beat[0] = time.monotonic()
                now = timezone.now()
                ForecastChunk.objects.filter(pk=chunk.pk).update(heartbeat_at=now)
                ForecastRun.objects.filter(pk=run.pk).update(heartbeat_at=now)

        result = forecast_many(history, max(run.horizon, 1), n_jobs=1, progress=beat,
                               config=engine_config(run.preset))
        with transaction.atomic():
            written = _store(run, chunk, result)
            ForecastChunk.objects.filter(pk=chunk.pk).update(status=RunStatus.DONE, heartbeat_at=timezone.now(),
                                                              seconds=time.monotonic() - began, error="")
            ForecastRun.objects.filter(pk=run.pk).update(
                series_done=F("series_done") + len(chunk.series), chunks_done=F("chunks_done") + 1,
                rows_written=F("rows_written") + written, heartbeat_at=timezone.now())
            run = ForecastRun.objects.select_for_update().select_related("cycle").get(pk=run.pk)
            if run.status == RunStatus.RUNNING and run.chunks_done >= run.chunks_total:
                _finalize(run)
        return "done"
    except Exception as exc:  # the run records the failure; the page shows it
        log.exception("baseline chunk %s failed", chunk_id)
        _fail(run, chunk, f"{type(exc).__name__}: {exc}")
        return "failed"


def _fail(run: ForecastRun, chunk: ForecastChunk, message: str) -> None:
    with transaction.atomic():
        ForecastChunk.objects.filter(pk=chunk.pk).update(status=RunStatus.FAILED, error=message[:2000])
        if ForecastRun.objects.filter(pk=run.pk, status__in=[RunStatus.PENDING, RunStatus.RUNNING]).update(
                status=RunStatus.FAILED, finished_at=timezone.now(), error=message[:2000]):
            event_record(actor=None, verb="demand.baseline_failed", cycle=run.cycle, step=demand_step(run.cycle),
                         obj=run, comment=message[:500])


def _store(run: ForecastRun, chunk: ForecastChunk, result) -> int:
    """Writes a chunk's forecasts (whole units, the cycle's months only) and diagnostics."""
    cycle = run.cycle
    wanted = {months.label(p): p for p in months.cycle_months(cycle)}
    fc = result.forecast
    lo_col = next(c for c in fc.columns if c.startswith("lo"))
    hi_col = next(c for c in fc.columns if c.startswith("hi"))
    rows = []
    for series, period, quantity, lo, hi, model in zip(fc["series"], fc["period"], fc["quantity"], fc[lo_col],
                                                       fc[hi_col], fc["model"], strict=True):
        p = wanted.get(period)
        if p is None:
            continue
        f, c = (int(x) for x in str(series).split(":"))
        rows.append(BaselineForecast(run=run, cycle=cycle, family_id=f, channel_id=c, period=p,
                                     quantity=q(max(quantity, 0.0)), lo80=q(max(lo, 0.0)), hi80=q(max(hi, 0.0)),
                                     model=str(model)[:30]))
    BaselineForecast.objects.bulk_create(rows, batch_size=1000)
    candidates = defaultdict(list)
    for r in result.backtest.to_dict("records"):
        candidates[str(r["series"])].append({
            "model": r["model"], "mae": _num(r["mae"]), "rmse": _num(r["rmse"]), "wape": _num(r["wape"]),
            "bias": _num(r["bias"]), "points": int(r["points"]), "chosen": bool(r["chosen"]),
            "failed": str(r["failed"] or "")})
    diags = []
    for d in result.diagnostics.to_dict("records"):
        f, c = (int(x) for x in str(d["series"]).split(":"))
        diags.append(SeriesDiagnostic(
            run=run, family_id=f, channel_id=c, model=str(d["model"])[:30], demand_class=str(d["demand_class"])[:20],
            n_obs=int(d["n_obs"] or 0), error_rmse=_num(d["error_rmse"]), error_mae=_num(d["error_mae"]),
            wape=_num(d["wape"]), bias=_num(d["bias"]), mase=_num(d["mase"]), reason=str(d["reason"] or "")[:200],
            candidates=candidates.get(str(d["series"]), [])))
    SeriesDiagnostic.objects.bulk_create(diags, batch_size=1000)
    return len(rows)


def _finalize(run: ForecastRun) -> None:
    """The run's baseline becomes the cycle's: consensus rebuilt, safety stock suggested."""
    cycle = run.cycle
    plan = lock_plan(cycle)
    revision = next_revision(plan)
    plan.baseline_run = run
    plan.save(update_fields=["baseline_run", "updated_at"])
    series = consensus_rebuild(cycle=cycle, run=run, revision=revision)
    suggested = _safety_stock(run)
    chosen: dict[str, int] = defaultdict(int)
    for model in SeriesDiagnostic.objects.filter(run=run).values_list("model", flat=True):
        chosen[model] += 1
    ForecastRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now(),
                                                 heartbeat_at=timezone.now(), models_chosen=dict(chosen))
    older = ForecastRun.objects.filter(cycle=cycle).exclude(pk=run.pk)
    BaselineForecast.objects.filter(run__in=older).delete()
    SeriesDiagnostic.objects.filter(run__in=older).delete()
    SafetyStockSuggestion.objects.filter(run__in=older).delete()
    event_record(actor=run.created_by, verb="demand.baseline_computed", cycle=cycle, step=demand_step(cycle), obj=run,
                 after={"series": run.series_total, "consensus_series": series, "rows": run.rows_written,
                        "models": dict(chosen), "safety_stock_families": suggested, "revision": revision})


def _family_costs(family_ids) -> tuple[dict[int, float], dict[int, Decimal]]:
    """Replenishment lead time (months) and unit cost per family, from the BOM's supply options."""
    from catalog.models import BomLine, ProductFamily, SupplyOption

    default_lead = float(_setting("DEMAND_SAFETY_LEAD_TIME_MONTHS", 1))
    lead: dict[int, float] = {}
    cost: dict[int, Decimal] = {}
    first_option: dict[int, SupplyOption] = {}
    for opt in SupplyOption.objects.order_by("component_id", "sequence", "code"):
        first_option.setdefault(opt.component_id, opt)
    for fam in ProductFamily.objects.filter(pk__in=family_ids):
        cost[fam.pk] = fam.material_cost or Decimal(0)
    for line in BomLine.objects.filter(family_id__in=family_ids).select_related("component"):
        opt = first_option.get(line.component_id)
        if opt is not None:
            lead[line.family_id] = max(lead.get(line.family_id, 0.0), float(opt.lead_time))
        value = line.component.standard_value if line.component.standard_value is not None else (opt.price if opt else 0)
        cost[line.family_id] = cost.get(line.family_id, Decimal(0)) + line.quantity_per_unit * Decimal(value or 0)
    return {f: max(lead.get(f, default_lead), default_lead) for f in family_ids}, cost


def _safety_stock(run: ForecastRun) -> int:
    """Per family: SS = z(SL) x sqrt(sum of its channels' squared backtest RMSE) x sqrt(lead time)."""
    from catalog.models import ProductFamily
    from reviews.forecasting import safety_stock as ss

    service_level = float(_setting("DEMAND_SERVICE_LEVEL", 0.95))
    variance: dict[int, float] = defaultdict(float)
    for family_id, rmse in SeriesDiagnostic.objects.filter(run=run).values_list("family_id", "error_rmse"):
        if rmse is not None:
            variance[family_id] += float(rmse) ** 2
    if not variance:
        return 0
    lead, cost = _family_costs(list(variance))
    families = {f.pk: f for f in ProductFamily.objects.filter(pk__in=list(variance))}
    rows = []
    for family_id, var in variance.items():
        fam = families[family_id]
        sigma = math.sqrt(var)
        stock = ss.safety_stock(sigma, lead[family_id], service_level)
        shortfall = ss.suggested_shortfall_cost(unit_price=float(fam.list_price), unit_cost=float(cost[family_id]),
                                                holding_cost=float(fam.holding_cost), service_level=service_level)
        rows.append(SafetyStockSuggestion(
            run=run, cycle=run.cycle, family_id=family_id, error_rmse=sigma, lead_time_months=lead[family_id],
            service_level=service_level, safety_stock=q(stock),
            shortfall_cost=Decimal(str(round(shortfall, 4)))))
    SafetyStockSuggestion.objects.bulk_create(rows)
    return len(rows)
