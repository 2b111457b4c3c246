"""Writes the benchmark files: a catalog (families, channels, 20,000 SKUs) and N shipment rows.

python bench/imports/generate.py [--rows 1000000] [--out var/bench]
Rows are SKU x channel x month, so every key is unique and the file is valid.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

FAMILIES = 12
CHANNELS = ("direct", "distributor", "ecommerce")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", default="var/bench")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    months = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(25)]
    per_sku = len(months) * 2
    skus = -(-args.rows // per_sku)
    (out / "families.csv").write_text("code,name\n" + "".join(f"BF{f:02d},Bench family {f}\n" for f in range(FAMILIES)))
    (out / "channels.csv").write_text("code,name,backlog_cost\n" + "".join(f"{c},{c.title()},1\n" for c in CHANNELS))
    with open(out / "skus.csv", "w") as f:
        f.write("code,name,family\n")
        for s in range(skus):
            f.write(f"BSKU-{s:06d},Bench SKU {s},BF{s % FAMILIES:02d}\n")
    written = 0
    with open(out / "shipments.csv", "w") as f:
        f.write("sku,channel,period,quantity,revenue\n")
        for s in range(skus):
            for channel in CHANNELS[:2]:
                for month in months:
                    if written == args.rows:
                        break
                    q = rng.randint(1, 500)
                    f.write(f"BSKU-{s:06d},{channel},{month},{q},{q * 123.45:.2f}\n")
                    written += 1
    print(f"wrote {written:,} shipment rows for {skus:,} SKUs to {out}")


if __name__ == "__main__":
    main()
