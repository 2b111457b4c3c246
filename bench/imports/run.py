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

    from reviews.imports import kinds, load
    from reviews.imports.files import Source
    from reviews.services.imports import import_data

    actor = get_user_model().objects.get(username="bench")
    # A worker has its modules imported and its connection open: do that before the clock starts
    # (the first catalog lookup imports ~250 modules, ~0.4 s).
    load.lookups(kinds.get(kind))
    start = time.perf_counter()
    batch = import_data(actor=actor, kind=kind, source=Source(name=Path(path).name, path=Path(path)), run_async=False)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"status": batch.status, "rows": batch.row_count, "seconds": seconds, "peak_rss_mb": rss,
                      "message": batch.message, "errors": batch.errors[:3]}))


def breakdown(path: str) -> None:
    """Times each phase of the pipeline on the file (inside a transaction that is rolled back)."""
    _django()
    from django.db import transaction

    from reviews.imports import files, kinds, load, validate

    spec = kinds.get("shipments")
    out = {}
    t = time.perf_counter()
    source = files.Source(name="shipments.csv", path=Path(path))
    files.inspect(source)
    out["file checks (hash, UTF-8, rows)"] = time.perf_counter() - t
    t = time.perf_counter()
    header, batches = files.read(source)
    result = validate.validate(spec, header, batches, load.lookups(spec))
    out["parse + validate (Arrow)"] = time.perf_counter() - t
    t = time.perf_counter()
    rows = load.actuals_table(spec, result.table, batch_id=0, cycle=None)
    out["transform to table rows"] = time.perf_counter() - t
    t = time.perf_counter()
    load.pgcopy.encode(rows, [*load.ACTUALS["shipments"][0], "batch_id"])
    out["encode binary COPY rows"] = time.perf_counter() - t
    with transaction.atomic():
        writer = load.ActualsWriter(spec, batch_id=0, cycle=None)
        t = time.perf_counter()
        writer.add(result.table)
        writer.close()
        out["transform + encode + COPY, one block"] = time.perf_counter() - t
        t = time.perf_counter()
        writer.settle()
        out["settle scope (count, compare, delete)"] = time.perf_counter() - t
        transaction.set_rollback(True)
    print(json.dumps(out))


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
    parser.add_argument("--breakdown")
    parser.add_argument("--repeat", type=int, default=3, help="fresh loads, each paired with a raw COPY")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.breakdown:
        breakdown(args.breakdown)
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
    from django.db import connection as conn

    phases = json.loads(subprocess.run([sys.executable, __file__, "--breakdown", str(folder / "shipments.csv")],
                                       capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    # Fresh loads into an empty (vacuumed) table, each right after a raw COPY of the same file, so
    # both see the same machine; the ratio of each pair, and the medians.
    pairs = []
    for _ in range(args.repeat):
        Shipment.objects.all().delete()
        ImportBatch.objects.filter(kind="shipments").delete()
        if conn.vendor == "postgresql":
            with conn.cursor() as cur:
                cur.execute("VACUUM ANALYZE reviews_shipment")
                cur.execute("CHECKPOINT")
        raw = raw_copy(folder / "shipments.csv")
        if conn.vendor == "postgresql":
            with conn.cursor() as cur:
                cur.execute("CHECKPOINT")
        load = run("shipments", "shipments.csv")
        pairs.append((load, raw, os.getloadavg()[0]))
    first = pairs[-1][0]
    # A corrected file (every quantity + 1) replaces every row of its months: the new rows are
    # written, compared with the earlier ones in the table, and those deleted.
    corrected = folder / "shipments-corrected.csv"
    with open(folder / "shipments.csv") as src, open(corrected, "w") as dst:
        dst.write(src.readline())
        for line in src:
            sku, channel, period, quantity, revenue = line.rstrip("\n").split(",")
            dst.write(f"{sku},{channel},{period},{int(quantity) + 1},{revenue}\n")
    second = run("shipments", corrected.name)
    from statistics import median

    from django.db import connection

    print(f"database: {connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}")
    print(f"rows: {first['rows']:,}  status: {first['status']}  {first['message']}")
    for load, raw, avg in pairs:
        print(f"end to end: {load['seconds']:.2f} s   raw COPY: {raw:.2f} s   ratio: {load['seconds'] / raw:.2f}x   "
              f"peak RSS: {load['peak_rss_mb']:.0f} MiB   load avg: {avg:.1f}")
    print(f"median: end to end {median(p[0]['seconds'] for p in pairs):.2f} s, raw COPY {median(p[1] for p in pairs):.2f} s, "
          f"ratio {median(p[0]['seconds'] / p[1] for p in pairs):.2f}x")
    print(f"corrected file replacing all of it: {second['seconds']:.2f} s ({second['message']})  peak RSS: {second['peak_rss_mb']:.0f} MiB")
    print("phases of a fresh load (s): " + ", ".join(f"{k}: {v:.2f}" for k, v in phases.items()))
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if first["errors"]:
        print("errors:", first["errors"])


if __name__ == "__main__":
    main()
