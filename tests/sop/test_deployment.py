"""The production layout: docker-compose services and commands, settings from the environment."""
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_services_with_health_checks():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert env["HTTPS"] == "1" and env["DEBUG"] == "0"


def test_compose_commands_exist_in_the_project():
    services = _compose()["services"]
    web = services["web"]["command"]
    assert web[0] == "gunicorn"
    module, attr = web[1].split(":")
    assert (ROOT / (module.replace(".", "/") + ".py")).exists()
    assert attr in (ROOT / "sop/wsgi.py").read_text()
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "sop"]
        assert (ROOT / "sop/celery.py").exists()
    scheduler = services["beat"]["command"][services["beat"]["command"].index("--scheduler") + 1]
    module_path = scheduler.split(":")[0]
    __import__(module_path)
    assert services["migrate"]["command"][:2] == ["python", "manage.py"]
    assert (ROOT / "manage.py").exists() and (ROOT / "Dockerfile").exists()


def _run_manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    unset = {"DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_when_configured_for_production(tmp_path):
    result = _run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
            "ALLOWED_HOSTS": "sop.example.com",
            "HTTPS": "1",
            "DEBUG": "0",
            "SOP_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)"
    result = _run_manage(["shell", "-c", code], {"SOP_VAR_DIR": str(tmp_path)})
    assert result.stdout.strip().endswith("False ['localhost', '127.0.0.1', '[::1]']"), result.stderr


def test_settings_read_database_and_broker_urls(tmp_path):
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], settings.CELERY_BROKER_URL)"
    )
    result = _run_manage(
        ["shell", "-c", code],
        {"SOP_VAR_DIR": str(tmp_path), "DATABASE_URL": "postgres://u@db.example:5432/plan", "REDIS_URL": "redis://r:6379/2"},
    )
    assert result.stdout.split()[-3:] == ["django.db.backends.postgresql", "plan", "redis://r:6379/2"], result.stderr
    default = _run_manage(["shell", "-c", code], {"SOP_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""})
    engine, name, broker = default.stdout.split()[-3:]
    assert engine == "django.db.backends.sqlite3" and name.startswith(str(tmp_path)) and broker == "filesystem://"


def test_a_generated_secret_key_is_kept_private_in_var(tmp_path):
    _run_manage(["check"], {"SOP_VAR_DIR": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
