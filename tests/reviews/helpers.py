"""Import helpers for the tests: run the service on text or on the sample files."""
from __future__ import annotations

from pathlib import Path

from reviews.imports.files import Source
from reviews.services.imports import import_data

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
#: Master data first, then actuals: the order the samples import in.
ORDER = [
    "families", "channels", "skus", "resources", "routings", "components", "supply_options", "option_prices",
    "family_prices", "bom", "budget", "shipments", "bookings", "financials", "inventory", "open_orders",
    "capacity", "component_supply",
]
CYCLE_KINDS = {"inventory", "open_orders", "capacity", "component_supply"}


def imp(actor, kind: str, text: str | bytes, *, cycle=None, dry_run: bool = False, name: str = "", **kw):
    data = text.encode() if isinstance(text, str) else text
    return import_data(actor=actor, kind=kind, source=Source(name=name or f"{kind}.csv", data=data), cycle=cycle,
                       dry_run=dry_run, **kw)


def imp_sample(actor, kind: str, *, cycle=None, **kw):
    path = SAMPLES / f"{kind}.csv"
    return import_data(actor=actor, kind=kind, source=Source(name=path.name, path=path),
                       cycle=cycle if kind in CYCLE_KINDS else kw.pop("history_cycle", None), **kw)


def load_samples(actor, cycle=None, kinds=None):
    out = {}
    for kind in kinds or ORDER:
        batch = imp_sample(actor, kind, cycle=cycle)
        assert batch.status == "applied", (kind, batch.message, batch.errors[:5])
        out[kind] = batch
    return out
