"""Times a 1,000,000-row shipment import end to end against a raw COPY of the same file.

DATABASE_URL=postgres://... python bench/imports/run.py [--rows N] [--dir var/bench]
Prints rows, seconds end to end (the import service: file checks, validation, COPY to a
staging table, counts, COPY into the table, history), raw COPY seconds, the ratio and the
peak RSS of the importing process. Runs on the database in DATABASE_URL (use a scratch one:
it creates its own tables and clears shipments).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop.settings")
    import django

    django.setup()


def child(kind: str, path: str) -> None:
    """Runs one import in this process and prints its numbers as JSON (peak RSS is this process')."""
    _django()
    from django.contrib.auth import get_user_model

    from reviews.imports.files import Source
    from reviews.services.imports import import_data

    actor = get_user_model().objects.get(username="bench")
    start = time.perf_counter()
    batch = import_data(actor=actor, kind=kind, source=Source(name=Path(path).name, path=Path(path)), run_async=False)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"status": batch.status, "rows": batch.row_count, "seconds": seconds, "peak_rss_mb": rss,
                      "message": batch.message, "errors": batch.errors[:3]}))


def raw_copy(path: Path) -> float:
    _django()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cur.execute("CREATE TABLE bench_raw_copy (sku text, channel text, period text, quantity numeric(14,3), revenue numeric(16,2))")
    start = time.perf_counter()
    with connection.cursor() as cur, open(path, "rb") as f, cur.cursor.copy(
        "COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER true)"
    ) as copy:
        while chunk := f.read(1 << 20):
            copy.write(chunk)
    seconds = time.perf_counter() - start
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_raw_copy")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = Path(args.dir)
    if not (folder / "shipments.csv").exists() or sum(1 for _ in open(folder / "shipments.csv")) - 1 != args.rows:
        subprocess.run([sys.executable, str(Path(__file__).parent / "generate.py"), "--rows", str(args.rows), "--out", str(folder)], check=True)
    _django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    user.groups.set(Group.objects.filter(name="integration"))
    from reviews.models import ImportBatch, Shipment

    Shipment.objects.all().delete()
    ImportBatch.objects.filter(kind="shipments").delete()  # else the same file is a duplicate

    def run(kind: str, name: str) -> dict:
        out = subprocess.run([sys.executable, __file__, "--child", kind, str(folder / name)], capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    for kind, name in (("families", "families.csv"), ("channels", "channels.csv"), ("skus", "skus.csv")):
        run(kind, name)
    first = run("shipments", "shipments.csv")
    # A second run of a changed file replaces every row of its months (the correction path).
    raw = min(raw_copy(folder / "shipments.csv") for _ in range(3))
    from django.db import connection

    print(f"database: {connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}")
    print(f"rows: {first['rows']:,}  status: {first['status']}  {first['message']}")
    print(f"end to end: {first['seconds']:.2f} s   raw COPY: {raw:.2f} s   ratio: {first['seconds'] / raw:.2f}x   peak RSS: {first['peak_rss_mb']:.0f} MiB")
    if first["errors"]:
        print("errors:", first["errors"])


if __name__ == "__main__":
    main()
