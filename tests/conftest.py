"""Shared fixtures: one persona per role plus an outsider, API clients, an open cycle."""
from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from sop.celery import app as celery_app
from sop.roles import Role

_seq = itertools.count(1)


def pytest_configure(config):
    # Unit tests run Celery tasks in-process; the worker tests start a real worker instead.
    from django.conf import settings

    # A fast hasher: PBKDF2's deliberate slowness would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    _allow_flush_of_guarded_tables_on_sqlite()


def _allow_flush_of_guarded_tables_on_sqlite():
    """Transactional tests flush tables with DELETE on SQLite, which the append-only triggers
    refuse; drop the triggers for the flush and put them back after it. (PostgreSQL flushes
    with TRUNCATE, which row triggers do not see.)"""
    from django.db.backends.sqlite3 import base  # noqa: F401  (imports operations without a cycle)
    from django.db.backends.sqlite3.operations import DatabaseOperations

    from sop import dbguards

    original = DatabaseOperations.sql_flush
    if getattr(original, "_guarded", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        guarded = [t for t in tables if t in dbguards.GUARDED]
        drops = [sql for t in guarded for sql in dbguards.drop_sql("sqlite", t, dbguards.GUARDED[t])]
        creates = [sql for t in guarded for sql in dbguards.create_sql("sqlite", t, dbguards.GUARDED[t])]
        return drops + list(statements) + creates

    sql_flush._guarded = True
    DatabaseOperations.sql_flush = sql_flush


@pytest.fixture
def make_user(db):
    """make_user("sales", "finance", username=None) -> a user holding those roles."""

    def _make(*roles: str, username: str | None = None, password: str = "pw-test-1234", **extra):
        User = get_user_model()
        name = username or f"{'_'.join(roles) or 'outsider'}_{next(_seq)}"
        user = User.objects.create_user(username=name, password=password, **extra)
        # get_or_create: a transactional test's flush empties the groups the migration made.
        user.groups.set([Group.objects.get_or_create(name=role)[0] for role in roles])
        return user

    return _make


@pytest.fixture
def owner(make_user):
    return make_user(Role.PROCESS_OWNER, username="owner")


@pytest.fixture
def demand(make_user):
    return make_user(Role.DEMAND_PLANNER, username="demand")


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES, username="sales")


@pytest.fixture
def supply(make_user):
    return make_user(Role.SUPPLY_PLANNER, username="supply")


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, username="finance")


@pytest.fixture
def executive(make_user):
    return make_user(Role.EXECUTIVE, username="exec")


@pytest.fixture
def integration(make_user):
    return make_user(Role.INTEGRATION, username="erp")


@pytest.fixture
def outsider(make_user):
    return make_user(username="outsider")


@pytest.fixture
def personas(owner, demand, sales, supply, finance, executive, integration, outsider):
    return {
        "process_owner": owner,
        "demand_planner": demand,
        "sales": sales,
        "supply_planner": supply,
        "finance": finance,
        "executive": executive,
        "integration": integration,
        "outsider": outsider,
    }


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated as that user (or anonymous with None)."""

    def _client(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return _client


@pytest.fixture
def cycle(owner):
    from cycles import services

    return services.cycle_open(actor=owner, label="2027-01")


@pytest.fixture
def live_worker(transactional_db, tmp_path):
    """A real Celery worker process on the configured broker (filesystem or Redis), using the
    test database, consuming a queue of its own. Yields the queue name; tasks sent with
    `queue=` that name (or the default queue, switched for the test) reach it."""
    import os
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        db_url = f"sqlite:///{settings_dict['NAME']}"
    else:
        user = settings_dict.get("USER") or ""
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        db_url = f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
    env = dict(os.environ, DATABASE_URL=db_url, CELERY_QUEUE=queue, CELERY_TASK_ALWAYS_EAGER="0")
    root = Path(__file__).resolve().parents[1]
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sop", "worker", "-Q", queue, "--concurrency", "1",
         "--pool", "prefork", "--loglevel", "INFO", "-n", f"{queue}@%h", "--without-gossip", "--without-mingle"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("worker exited early:\n" + (tmp_path / "worker.log").read_text())
            if "ready." in (tmp_path / "worker.log").read_text():
                break
            time.sleep(0.3)
        else:
            raise RuntimeError("worker not ready in 60 s:\n" + (tmp_path / "worker.log").read_text())
        yield queue
    finally:
        celery_app.conf.task_default_queue = previous_queue
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
