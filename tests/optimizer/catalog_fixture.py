"""A small FPGA catalog and one cycle's data, written straight to the models (tests only)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from catalog import models as m
from reviews.models import (
    CapacityActual,
    ComponentSupply,
    ImportBatch,
    InventoryActual,
    OpenOrder,
    Shipment,
)


def month(label: str) -> dt.date:
    y, mo = label.split("-")
    return dt.date(int(y), int(mo), 1)


def small_catalog(*, horizon: list[str]) -> dict:
    fam_a = m.ProductFamily.objects.create(code="FPGA-A", name="FPGA A", list_price=D("100"), material_cost=D("20"),
                                           holding_cost=D("1"), subcontract_cost=D("70"), subcontract_capacity=D("20"))
    fam_b = m.ProductFamily.objects.create(code="FPGA-B", name="FPGA B", list_price=D("60"), material_cost=D("15"),
                                           holding_cost=D("1"), safety_stock=D("5"),
                                           safety_stock_shortfall_cost=D("2"))
    m.ProductFamily.objects.create(code="OLD", name="Retired", list_price=D("10"), active=False)
    m.FamilyPrice.objects.create(family=fam_a, effective_from=month(horizon[2]), price=D("110"))
    direct = m.Channel.objects.create(code="direct", name="Direct", priority=1, price_factor=D("1"),
                                      min_fill_rate=D("0.9"), backlog_cost=D("2"), lost_sale_cost=None)
    dist = m.Channel.objects.create(code="distributor", name="Distributors", priority=2, price_factor=D("0.85"),
                                    backlog_cost=D("1"), lost_sale_cost=D("0"))
    ecom = m.Channel.objects.create(code="ecommerce", name="E-commerce", priority=3, price_factor=D("0.75"),
                                    backlog_cost=None, lost_sale_cost=D("0"))
    line = m.Resource.objects.create(code="LINE", name="Assembly", capacity_hours=D("200"),
                                     regular_cost_per_hour=D("5"), overtime_cost_per_hour=D("9"),
                                     overtime_max_hours=D("20"))
    test = m.Resource.objects.create(code="TEST", name="Test cell", kind="workforce", workforce_initial=D("2"),
                                     hours_per_worker=D("40"), cost_per_worker=D("100"), hire_cost=D("50"),
                                     layoff_cost=D("80"), workforce_min=D("1"), workforce_max=D("6"))
    m.Routing.objects.create(family=fam_a, resource=line, hours_per_unit=D("2"))
    m.Routing.objects.create(family=fam_b, resource=line, hours_per_unit=D("1"))
    m.Routing.objects.create(family=fam_a, resource=test, hours_per_unit=D("0.5"))
    die = m.Component.objects.create(code="DIE", name="FPGA die", holding_cost=D("0.2"))
    contract = m.SupplyOption.objects.create(component=die, code="contract", kind="contract", sequence=0,
                                             price=D("10"), lead_time=1, capacity=D("80"))
    m.SupplyOption.objects.create(component=die, code="spot", kind="spot", sequence=1, price=D("18"),
                                  capacity=D("40"))
    m.SupplyOptionPrice.objects.create(option=contract, effective_from=month(horizon[3]), price=D("12.5"))
    m.BomLine.objects.create(family=fam_a, component=die, quantity_per_unit=D("1"))
    for i, label in enumerate(horizon):
        m.BudgetLine.objects.create(family=fam_a, month=month(label), units=D(60 + i), revenue=D(6000), margin=D(2000))
        m.BudgetLine.objects.create(family=fam_b, month=month(label), units=D("30"), revenue=D(1800), margin=D(600))
    return {"families": [fam_a, fam_b], "channels": [direct, dist, ecom], "resources": [line, test], "die": die}


def cycle_data(cycle, cat) -> None:
    """History (last year's channel mix), inventory, open orders, capacity, component supply."""
    from reviews.selectors import add_months

    batch = ImportBatch.objects.create(kind="demo", cycle=cycle, source="demo")
    fam_a, fam_b = cat["families"]
    direct, dist, ecom = cat["channels"]
    for back in range(1, 13):
        period = add_months(cycle.start_month, -back)
        for fam, ch, q in [(fam_a, direct, 30), (fam_a, dist, 20), (fam_a, ecom, 10), (fam_b, ecom, 30)]:
            Shipment.objects.create(batch=batch, family=fam, channel=ch, period=period, quantity=D(q), revenue=D(q * 90))
    last = add_months(cycle.start_month, -1)
    InventoryActual.objects.create(batch=batch, cycle=cycle, period=last, family=fam_a, on_hand=D("12"))
    OpenOrder.objects.create(batch=batch, cycle=cycle, period=last, family=fam_a, channel=direct, quantity=D("7"))
    OpenOrder.objects.create(batch=batch, cycle=cycle, period=last, family=fam_b, channel=ecom, quantity=D("4"))
    OpenOrder.objects.create(batch=batch, cycle=cycle, period=add_months(cycle.start_month, 1), family=fam_a,
                             channel=direct, quantity=D("500"))
    CapacityActual.objects.create(batch=batch, cycle=cycle, period=add_months(cycle.start_month, 2),
                                  resource=cat["resources"][0], hours=D("150"))
    CapacityActual.objects.create(batch=batch, cycle=cycle, period=cycle.start_month,
                                  resource=cat["resources"][1], workers=D("3"))
    ComponentSupply.objects.create(batch=batch, cycle=cycle, period=cycle.start_month, component=cat["die"],
                                   on_hand=D("25"), receipts=D("10"))
