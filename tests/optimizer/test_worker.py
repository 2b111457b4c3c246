"""End to end through a real Celery worker process: POST a problem, the worker claims and solves
it, the run row reports progress and success, the plan is served."""
import time

import pytest

from optimizer.models import PlanFamilyPeriod
from sop.celery import app as celery_app
from tests.optimizer.helpers import tiny

pytestmark = pytest.mark.worker


@pytest.fixture
def not_eager():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def test_a_tiny_solve_runs_on_a_real_worker_end_to_end(api, supply, live_worker, not_eager):
    client = api(supply)
    response = client.post("/api/v1/solves/", {"problem": tiny(), "time_limit": 30}, format="json")
    assert response.status_code == 202, response.json()
    run_id = response.json()["id"]
    deadline = time.time() + 90
    body = response.json()
    while time.time() < deadline and body["status"] in ("queued", "running"):
        time.sleep(0.3)
        body = client.get(f"/api/v1/solves/{run_id}/").json()
    assert body["status"] == "succeeded", body
    assert body["attempts"] == 1 and body["progress"] == 1 and body["heartbeat_at"]
    plan = client.get(f"/api/v1/solves/{run_id}/plan/")
    assert plan.status_code == 200 and plan.json()["status"] == "optimal"
    assert client.get(f"/api/v1/solves/{run_id}/comparison/").json()["value"] >= -1e-6
    assert PlanFamilyPeriod.objects.filter(run_id=run_id).count() == 6
