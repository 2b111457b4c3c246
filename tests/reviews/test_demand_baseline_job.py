"""The baseline forecast job: a run row per cycle, chunks of series claimed once, the engine in
the worker with n_jobs=1, the last chunk putting the baseline under the consensus."""
import math
import subprocess
import sys

import pytest
from django.test import override_settings

from cycles.models import Event
from reviews.demand import runs, selectors
from reviews.models import (
    BaselineForecast,
    ConsensusCell,
    DemandPlan,
    ForecastChunk,
    ForecastRun,
    RunStatus,
    SafetyStockSuggestion,
    SeriesDiagnostic,
)
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.reviews.demand_helpers import catalog, history

pytestmark = pytest.mark.django_db


def seasonal(n, level, amp):
    return [round(level + amp * math.sin(2 * math.pi * i / 12) + (i % 3)) for i in range(n)]


@pytest.fixture
def shipped(cycle):
    fams, chans = catalog()
    history(fams["KX"], chans["DIR"], "2024-07", seasonal(30, 100, 20))  # 2024-07 .. 2026-12
    history(fams["AX"], chans["WEB"], "2025-01", [0, 3, 0, 0, 5, 0, 0, 0, 4, 0, 2, 0] * 2)  # intermittent
    return cycle, fams, chans


def test_a_run_forecasts_every_series_over_the_horizon(shipped, demand):
    cycle, fams, chans = shipped
    run = runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)
    assert (run.status, run.series_total, run.chunks_total, run.horizon) == ("pending", 2, 1, 24)
    run = runs.forecast_run_execute(run)
    assert run.status == RunStatus.DONE, run.error
    assert run.series_done == 2 and run.progress == 100
    assert BaselineForecast.objects.filter(run=run).count() == 2 * 24
    periods = sorted({b.period for b in BaselineForecast.objects.filter(run=run)})
    assert (periods[0].isoformat(), periods[-1].isoformat()) == ("2027-01-01", "2028-12-01")
    assert all(b.lo80 <= b.quantity <= b.hi80 for b in BaselineForecast.objects.filter(run=run))
    assert DemandPlan.objects.get(cycle=cycle).baseline_run == run
    assert ConsensusCell.objects.filter(cycle=cycle).count() == 48
    diag = SeriesDiagnostic.objects.get(run=run, family=fams["AX"])
    assert diag.demand_class in ("intermittent", "lumpy") and diag.candidates
    assert sum(run.models_chosen.values()) == 2
    assert set(selectors.suggested_safety_stock(cycle)) == {"KX", "AX"}
    assert Event.objects.filter(verb="demand.baseline_computed", object_id=str(run.pk)).exists()


@override_settings(DEMAND_FORECAST_CHUNK=1)
def test_series_are_split_into_chunks_and_a_duplicate_delivery_exits(shipped, owner):
    cycle, fams, chans = shipped
    run = runs.forecast_run_start(actor=owner, cycle=cycle, enqueue=False)
    chunks = list(run.chunks.order_by("index"))
    assert len(chunks) == 2 and [len(c.series) for c in chunks] == [1, 1]
    assert runs.forecast_chunk_process(chunks[0].pk) == "done"
    assert runs.forecast_chunk_process(chunks[0].pk) == "skipped"  # redelivered: already done
    assert ForecastRun.objects.get(pk=run.pk).status == RunStatus.RUNNING
    assert runs.forecast_chunk_process(chunks[1].pk) == "done"
    assert ForecastRun.objects.get(pk=run.pk).status == RunStatus.DONE


def test_the_tasks_run_after_commit(shipped, demand, django_capture_on_commit_callbacks):
    cycle, fams, chans = shipped
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.forecast_run_start(actor=demand, cycle=cycle)
    assert ForecastRun.objects.get(pk=run.pk).status == RunStatus.DONE


def test_one_active_run_per_cycle(shipped, demand):
    cycle, fams, chans = shipped
    runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)
    with pytest.raises(ConflictError, match="already running"):
        runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)


def test_a_failing_chunk_fails_the_run_with_its_error(shipped, demand, monkeypatch):
    cycle, fams, chans = shipped
    run = runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)

    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr("reviews.forecasting.forecast_many", boom)
    run = runs.forecast_run_execute(run)
    assert run.status == RunStatus.FAILED and "engine exploded" in run.error
    assert ForecastChunk.objects.get(run=run).status == RunStatus.FAILED
    assert Event.objects.filter(verb="demand.baseline_failed").exists()
    assert DemandPlan.objects.get(cycle=cycle).baseline_run is None
    runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)  # a new run may start


def test_a_new_run_replaces_the_baseline_and_drops_the_old_rows(shipped, demand):
    cycle, fams, chans = shipped
    first = runs.forecast_run_execute(runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False))
    second = runs.forecast_run_execute(runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False))
    assert DemandPlan.objects.get(cycle=cycle).baseline_run == second
    assert not BaselineForecast.objects.filter(run=first).exists()
    assert SafetyStockSuggestion.objects.filter(run=second).count() == 2


def test_stale_runs_are_abandoned_when_a_new_one_starts(shipped, demand):
    from datetime import timedelta

    from django.utils import timezone

    cycle, fams, chans = shipped
    run = runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)
    ForecastRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=2))
    runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)
    assert ForecastRun.objects.get(pk=run.pk).status == RunStatus.FAILED


def test_no_history_no_run(cycle, demand):
    catalog()
    with pytest.raises(ApplicationError, match="no shipment history"):
        runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False)


@pytest.mark.parametrize("role", ["sales", "supply_planner", "finance", "executive", "integration", "outsider"])
def test_only_process_owner_and_demand_planner_start_a_run(shipped, personas, role):
    cycle, fams, chans = shipped
    with pytest.raises(PermissionDeniedError):
        runs.forecast_run_start(actor=personas[role], cycle=cycle, enqueue=False)
    assert not ForecastRun.objects.exists()


def test_the_web_process_does_not_import_statsforecast():
    code = ("import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'sop.settings'); django.setup();"
            "import sop.urls, reviews.demand.views, reviews.demand.api.views, reviews.demand.runs;"
            "from django.urls import resolve; resolve('/demand/1/');"
            "print('statsforecast' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_computes_the_baseline(live_worker, make_user):
    import time

    from django.db import transaction

    from cycles import services as cycle_services

    owner = make_user("process_owner", username="owner-w")
    cycle = cycle_services.cycle_open(actor=owner, label="2027-01")
    fams, chans = catalog()
    history(fams["KX"], chans["DIR"], "2024-07", seasonal(30, 100, 20))
    with transaction.atomic():
        run = runs.forecast_run_start(actor=owner, cycle=cycle)
    deadline = time.time() + 240
    while time.time() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            break
        time.sleep(1)
    assert run.status == RunStatus.DONE, run.error
    assert ConsensusCell.objects.filter(cycle=cycle).count() == 24


def test_a_run_may_use_another_candidate_set(shipped, demand):
    cycle, fams, chans = shipped
    with pytest.raises(ApplicationError, match="preset"):
        runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False, preset="magic")
    run = runs.forecast_run_execute(runs.forecast_run_start(actor=demand, cycle=cycle, enqueue=False, preset="quick"))
    assert run.status == RunStatus.DONE and run.preset == "quick"
    assert set(run.models_chosen) <= {"seasonal_naive", "ses", "theta", "croston_sba", "mean", "zero"}
