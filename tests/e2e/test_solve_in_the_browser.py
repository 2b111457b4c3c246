"""A supply planner starts a solve in the browser; the htmx-polled progress bar becomes the plan view."""
import threading

import pytest
from django.db import connections

from optimizer import execution, services
from optimizer.models import SolveRun
from tests.optimizer.helpers import tiny

pytestmark = pytest.mark.browser


def test_the_progress_bar_becomes_the_plan_view(live_server, login, personas, cycle, artifacts, monkeypatch):
    scenario = services.scenario_create(actor=personas["supply_planner"], cycle=cycle, name="Spot out in Q1",
                                        base_problem=tiny(), levers=[{"type": "supplier_failure", "component": "DIE",
                                                                      "option": "spot", "to": "2027-02"}])
    queued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", lambda run_id, task_id: queued.append(run_id))
    seen_progress = threading.Event()
    real_solve = execution._engine_solve

    def solve_slowly(problem, *, progress, **kw):
        progress("solve", 0.4)
        seen_progress.wait(30)  # the browser has shown 40%
        return real_solve(problem, progress=progress, **kw)

    monkeypatch.setattr(execution, "_engine_solve", solve_slowly)

    page = login("supply")
    page.goto(f"{live_server.url}/scenarios/{scenario.pk}/")
    page.click("#solve-button")
    page.wait_for_selector("#run-progress")
    run = SolveRun.objects.get(scenario=scenario)
    assert queued == [run.pk] and page.url.endswith(f"/solves/{run.pk}/")

    def worker():  # what the Celery task does, in a thread of this process
        try:
            execution.run_execute(run_id=run.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        page.wait_for_selector('#run-progress .progress-bar[style*="40%"]', timeout=15000)
        assert "solve" in page.inner_text("#run-phase")
        page.screenshot(path=str(artifacts / "solve_progress.png"))
    finally:
        seen_progress.set()
        thread.join(30)
    page.wait_for_selector("#plan-view", timeout=15000)
    page.wait_for_selector("#heatmap canvas", timeout=10000)  # the charts were drawn after the swap
    assert page.get_attribute("#run-status", "data-status") == "succeeded"
    assert "Single pass vs sequential planning" in page.inner_text("#comparison")
    assert page.query_selector("#run-progress") is None
    page.screenshot(path=str(artifacts / "solve_plan_view.png"), full_page=True)
    assert SolveRun.objects.get(pk=run.pk).status == "succeeded"


def test_a_demand_planner_builds_a_scenario_with_levers_in_the_form(live_server, login, personas, cycle, artifacts):
    from optimizer.models import Scenario

    page = login("demand")
    page.goto(f"{live_server.url}/scenarios/new/?cycle={cycle.pk}")
    page.fill("#id_name", "Q1 e-commerce dip")
    assert page.is_hidden("#id_levers-0-percent")  # fields show for the chosen lever type only
    page.select_option("#id_levers-0-type", "demand_change")
    assert page.is_visible("#id_levers-0-percent") and page.is_hidden("#id_levers-0-component")
    page.fill("#id_levers-0-percent", "-15")
    page.fill("#id_levers-0-channels", "ecommerce")
    page.select_option("#id_levers-0-to_period", "2027-03")
    page.click("#add-lever")
    page.select_option("#id_levers-1-type", "supplier_failure")
    page.fill("#id_levers-1-component", "DIE")
    page.fill("#id_levers-1-option", "spot")
    page.screenshot(path=str(artifacts / "scenario_form.png"), full_page=True)
    page.click("#save-scenario")
    page.wait_for_selector("#lever-list")
    scenario = Scenario.objects.get(name="Q1 e-commerce dip")
    assert [lever["type"] for lever in scenario.levers] == ["demand_change", "supplier_failure"]
    assert scenario.levers[0]["channels"] == ["ecommerce"] and scenario.levers[0]["to"] == "2027-03"
    assert "Supplier failure: DIE/spot delivers nothing" in page.inner_text("#lever-list")
