"""/healthz reports the database, the broker and a live worker in words."""
import pytest

from sop import views


def test_healthz_reports_each_part_and_503_without_a_worker(client, db, monkeypatch):
    monkeypatch.setattr(views, "WORKER_TIMEOUT_S", 0.5)
    response = client.get("/healthz")
    body = response.json()
    assert set(body) == {"database", "broker", "worker"}
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert "no worker answered" in body["worker"]
    assert response.status_code == 503


def test_healthz_names_a_broken_broker(client, db, monkeypatch):
    monkeypatch.setattr(views, "_check_broker", lambda: "broker unavailable: ConnectionRefusedError")
    body = client.get("/healthz").json()
    assert body["broker"].startswith("broker unavailable") and body["worker"].startswith("not checked")


def test_healthz_names_a_broken_database(client, db, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise RuntimeError("connection refused")

    monkeypatch.setattr(views, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "database unavailable: RuntimeError: connection refused"
    assert body["worker"].startswith("not checked")


@pytest.mark.worker
def test_a_real_worker_answers_the_ping_and_healthz_says_ok(client, live_worker):
    from sop.celery import app

    assert app.send_task("sop.ping", queue=live_worker).get(timeout=30) == "pong"
    response = client.get("/healthz")
    assert response.json() == {"database": "ok", "broker": "ok", "worker": "ok"}
    assert response.status_code == 200
