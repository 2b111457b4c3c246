"""Submitting a solve: validated before anything is stored; the job goes to Celery after commit."""
import pytest

from cycles.models import Event
from optimizer import services
from optimizer.models import SolveRun
from sop.errors import ApplicationError, PermissionDeniedError
from tests.optimizer.helpers import tiny


def test_a_valid_document_makes_a_queued_run_with_the_exact_document_and_its_hash(submit):
    run = submit(time_limit=30)
    run.refresh_from_db()
    assert run.status == "queued" and run.attempts == 0 and run.progress == 0
    assert run.problem == tiny()
    assert run.problem_sha256 == services.problem_sha256(tiny()) and len(run.problem_sha256) == 64
    assert run.options["time_limit"] == 30 and run.options["baseline"] is True
    assert run.demand_source == "submitted problem document"
    assert Event.objects.filter(verb="solve.submitted", object_id=str(run.pk)).exists()


def test_the_job_is_sent_only_after_the_transaction_commits(submit, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("optimizer.tasks.solve_run.apply_async", lambda args, task_id: sent.append((args, task_id)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = submit()
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [([run.pk], run.task_id)]


def test_a_broker_that_refuses_the_job_fails_the_run_with_the_reason(submit, django_capture_on_commit_callbacks,
                                                                      monkeypatch):
    def down(*a, **kw):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr("optimizer.tasks.solve_run.apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        run = submit()
    run.refresh_from_db()
    assert run.status == "failed" and "Could not reach the job queue" in run.error and "redis is down" in run.error


def test_an_invalid_document_is_refused_naming_the_path_and_nothing_is_stored(submit):
    doc = tiny()
    doc["families"][1]["price"] = [1, 2]
    with pytest.raises(ApplicationError) as err:
        submit(doc)
    assert err.value.status_code == 400
    assert err.value.message.startswith("problem.families[1].price:")
    assert err.value.extra["path"] == "problem.families[1].price"
    assert not SolveRun.objects.exists() and not Event.objects.filter(verb__startswith="solve.").exists()


def test_an_oversized_document_is_refused_with_413(submit, settings):
    settings.OPTIMIZER = {"MAX_PROBLEM_BYTES": 500}
    with pytest.raises(ApplicationError) as err:
        submit()
    assert err.value.status_code == 413 and "at most 500 bytes" in err.value.message
    assert not SolveRun.objects.exists()


def test_codes_too_long_for_the_plan_tables_are_refused(submit):
    doc = tiny()
    long = "F" * 61
    doc["families"][0]["code"] = long
    for line in doc["demand"] + doc["routings"] + doc["bom"]:
        if line["family"] == "FPGA-A":
            line["family"] = long
    with pytest.raises(ApplicationError, match=r"problem.families\[0\].code: at most 60 characters"):
        submit(doc)


@pytest.mark.parametrize("kw, field", [({"time_limit": 0}, "time_limit"), ({"gap": 2}, "gap")])
def test_bad_options_name_the_field(submit, kw, field):
    with pytest.raises(ApplicationError, match=field):
        submit(**kw)


def test_the_time_limit_is_kept_under_celerys_soft_limit(submit, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 600
    settings.OPTIMIZER = {"TIME_LIMIT_MARGIN": 100}
    assert submit(time_limit=10_000).options["time_limit_effective"] == 500
    assert submit(time_limit=20).options["time_limit_effective"] == 20
    assert submit().options["time_limit_effective"] == 500


@pytest.mark.parametrize("role, allowed", [
    ("process_owner", True), ("demand_planner", True), ("supply_planner", True), ("finance", True),
    ("integration", True), ("sales", False), ("executive", False), ("outsider", False),
])
def test_who_may_submit(personas, role, allowed):
    if allowed:
        assert services.solve_submit(actor=personas[role], problem=tiny()).status == "queued"
    else:
        with pytest.raises(PermissionDeniedError):
            services.solve_submit(actor=personas[role], problem=tiny())
        assert not SolveRun.objects.exists()


def test_a_scenario_solve_applies_its_levers_and_records_them(supply, scenario):
    services.scenario_update(actor=supply, scenario=scenario, version=scenario.version,
                             levers=[{"type": "supplier_failure", "component": "DIE", "option": "spot"}])
    run = services.solve_submit(actor=supply, scenario=scenario)
    assert run.cycle_id == scenario.cycle_id and run.scenario_id == scenario.pk
    assert run.problem["components"][0]["supply_options"][1]["capacity"] == [0, 0, 0]
    assert run.levers[0]["type"] == "supplier_failure"
    assert run.demand_source == "the scenario's uploaded base problem document"


def test_a_scenario_without_a_base_document_says_the_catalog_is_missing(supply, cycle, monkeypatch):
    scenario = services.scenario_create(actor=supply, cycle=cycle, name="From catalog")

    def no_catalog(*, cycle):
        raise ApplicationError("The catalog has no product families yet.")

    monkeypatch.setattr("optimizer.builder.build_problem", no_catalog)
    with pytest.raises(ApplicationError, match="no product families"):
        services.solve_submit(actor=supply, scenario=scenario)
    assert not SolveRun.objects.exists()
