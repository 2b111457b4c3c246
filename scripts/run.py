"""`make run`: the web app and a real Celery worker side by side; Ctrl-C stops both.

Uses the embedded defaults (SQLite and the filesystem broker under var/) unless
DATABASE_URL / REDIS_URL say otherwise.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "sop.settings")
    worker = subprocess.Popen(
        [PY, "-m", "celery", "-A", "sop", "worker", "--loglevel", "INFO", "--concurrency", "2", "-B",
         "--schedule", str(ROOT / "var" / "celerybeat-schedule")],
        cwd=ROOT, env=env,
    )
    web = subprocess.Popen(
        [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env
    )
    time.sleep(2)
    print(f"\n  S&OP is running at http://127.0.0.1:{port}/  (health: http://127.0.0.1:{port}/healthz)")
    print("  Log in as owner/owner-demo, demand/demand-demo, sales/sales-demo, supply/supply-demo,")
    print("  finance/finance-demo, exec/exec-demo (admin/admin-demo is also the site admin). Ctrl-C stops.\n")
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for proc in (web, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            if web.poll() is not None or worker.poll() is not None:
                print("a process stopped; shutting down the other", file=sys.stderr)
                stop()
                break
            time.sleep(0.5)
    finally:
        stop()
        for proc in (web, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
