"""Small builders for the demand review tests: a catalog, shipments, a baseline without the engine."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from catalog.models import Channel, ProductFamily
from reviews.demand import months
from reviews.models import BaselineForecast, ForecastRun, ImportBatch, RunStatus, Shipment
from tests.cycles.helpers import sign_through


def catalog():
    """Three families in two groups, three channels."""
    fams = {
        "KX": ProductFamily.objects.create(code="KX", name="Kintex", group="FPGA", list_price=Decimal("100")),
        "AX": ProductFamily.objects.create(code="AX", name="Artix", group="FPGA", list_price=Decimal("50")),
        "ZQ": ProductFamily.objects.create(code="ZQ", name="Zynq", group="SoC", list_price=Decimal("200")),
    }
    chans = {
        "DIR": Channel.objects.create(code="DIR", name="Direct", priority=1, price_factor=Decimal("1")),
        "DIS": Channel.objects.create(code="DIS", name="Distribution", priority=2, price_factor=Decimal("0.8")),
        "WEB": Channel.objects.create(code="WEB", name="E-commerce", priority=3, price_factor=Decimal("0.9")),
    }
    return fams, chans


def batch():
    return ImportBatch.objects.create(kind="shipments", source="demo")


def ship(family, channel, period, quantity, *, sku=None, b=None, revenue=None):
    b = b or batch()
    return Shipment.objects.create(batch=b, family=family, channel=channel, sku=sku, period=months.month(period),
                                   quantity=Decimal(str(quantity)),
                                   revenue=Decimal(str(revenue if revenue is not None else quantity)))


def history(family, channel, first: str, values, *, b=None):
    b = b or batch()
    start = months.month(first)
    Shipment.objects.bulk_create([
        Shipment(batch=b, family=family, channel=channel, period=months.add(start, i), quantity=Decimal(str(v)),
                 revenue=Decimal(str(v)) * family.list_price) for i, v in enumerate(values)])


def install_baseline(cycle, values: dict, *, lo=None, hi=None, actor=None):
    """A finished baseline run without the engine: values {(family, channel): qty or [qty per month]}."""
    from reviews.demand import runs

    periods = months.cycle_months(cycle)
    with transaction.atomic():
        run = ForecastRun.objects.create(cycle=cycle, status=RunStatus.RUNNING, created_by=actor,
                                         series_total=len(values), series_done=len(values),
                                         history_start=months.add(periods[0], -24), history_end=months.add(periods[0], -1))
        rows = []
        for (f, c), v in values.items():
            seq = v if isinstance(v, (list, tuple)) else [v] * len(periods)
            for p, qty in zip(periods, seq, strict=False):
                qty = Decimal(str(qty))
                rows.append(BaselineForecast(run=run, cycle=cycle, family=f, channel=c, period=p, quantity=qty,
                                             lo80=qty * Decimal("0.8"), hi80=qty * Decimal("1.2"), model="test"))
        BaselineForecast.objects.bulk_create(rows)
        run = ForecastRun.objects.select_related("cycle").get(pk=run.pk)
        runs._finalize(run)
    return ForecastRun.objects.get(pk=run.pk)


def open_demand_review(cycle, personas):
    sign_through(cycle, personas, "data_gathering")
    cycle._demand_state = None
    return cycle


def d(value: str) -> dt.date:
    return months.month(value)
