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


def _engine_processes_under(pid: int) -> list[int]:
    """Solver processes (python -m optimizer.engine) among the descendants of ``pid``."""
    import os

    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue

    def descends(p: int) -> bool:
        seen = set()
        while p and p not in seen:
            seen.add(p)
            p = parent.get(p, 0)
            if p == pid:
                return True
        return False

    out = []
    for p in parent:
        try:
            with open(f"/proc/{p}/cmdline", "rb") as fh:
                cmd = fh.read().split(b"\0")
        except OSError:
            continue
        if b"optimizer.engine" in cmd and descends(p):
            out.append(p)
    return out


def test_cancelling_a_long_solve_on_a_real_worker_stops_the_solver_within_seconds(api, supply, finance,
                                                                                   live_worker, not_eager):
    import os

    from bench.optimizer.generate import generate_size
    from optimizer.engine.runner import wait_gone

    client = api(supply)
    response = client.post("/api/v1/solves/", {"problem": generate_size("L"), "baseline": False, "time_limit": 600},
                           format="json")
    assert response.status_code == 202, response.json()
    run_id = response.json()["id"]
    deadline, body = time.time() + 120, response.json()
    while time.time() < deadline and not (body["status"] == "running" and body["phase"] == "lp"):
        time.sleep(0.2)
        body = client.get(f"/api/v1/solves/{run_id}/").json()
    assert body["status"] == "running" and body["phase"] == "lp", body  # inside the native LP (30-60 s)
    time.sleep(1.0)
    solvers = _engine_processes_under(os.getpid())
    assert len(solvers) == 1, solvers
    asked = time.monotonic()
    assert api(finance).post(f"/api/v1/solves/{run_id}/cancel/").status_code in (200, 202)
    while time.monotonic() - asked < 30 and body["status"] == "running":
        time.sleep(0.1)
        body = client.get(f"/api/v1/solves/{run_id}/").json()
    took = time.monotonic() - asked
    print(f"cancel -> run cancelled in {took:.2f} s")  # shown with -s
    assert body["status"] == "cancelled" and body["error"] == "Cancelled by finance while solving.", body
    assert took < 5, f"{took:.1f} s from the cancel to the run's end"
    assert wait_gone(solvers[0], timeout=2), "the solver process outlived the cancel"
