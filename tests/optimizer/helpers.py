"""Tiny problem documents: solves of a few milliseconds."""
from __future__ import annotations

import copy
from typing import Any

PERIODS = ["2027-01", "2027-02", "2027-03"]

TINY: dict[str, Any] = {
    "format": "sop-problem/1",
    "name": "tiny FPGA",
    "currency": "USD",
    "periods": PERIODS,
    "families": [
        {"code": "FPGA-A", "price": 100, "material_cost": 20, "holding_cost": 1, "initial_inventory": 5},
        {"code": "FPGA-B", "price": 60, "material_cost": 15, "holding_cost": 1},
    ],
    "channels": [
        {"code": "direct", "backlog_cost": 2, "lost_sale_cost": None, "min_fill_rate": 0.5},
        {"code": "ecommerce", "backlog_cost": None, "lost_sale_cost": 0},
    ],
    "demand": [
        {"family": f, "channel": c, "period": p, "quantity": q}
        for p in PERIODS
        for f, c, q in [("FPGA-A", "direct", 30), ("FPGA-A", "ecommerce", 20), ("FPGA-B", "direct", 10),
                        ("FPGA-B", "ecommerce", 15)]
    ],
    "resources": [{"code": "LINE", "capacity": 120, "regular_cost_per_hour": 5,
                   "overtime": {"cost_per_hour": 9, "max_hours": 10}}],
    "routings": [{"family": "FPGA-A", "resource": "LINE", "hours_per_unit": 2},
                 {"family": "FPGA-B", "resource": "LINE", "hours_per_unit": 1}],
    "components": [{"code": "DIE", "initial_inventory": 40, "supply_options": [
        {"code": "contract", "price": 10, "lead_time": 1, "capacity": 60},
        {"code": "spot", "price": 18, "capacity": 30},
    ]}],
    "bom": [{"family": "FPGA-A", "component": "DIE", "quantity_per_unit": 1}],
}


def tiny(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(TINY)
    doc.update(copy.deepcopy(changes))
    return doc
