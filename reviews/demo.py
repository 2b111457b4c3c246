"""The demo company: an FPGA maker, loaded through the import service (the same path as a file).

Deterministic (fixed seed; dates relative to the open cycle) and idempotent: a kind whose
demo file was already applied for the same cycle is skipped, so a second run changes nothing.
Margins are built so direct enterprise earns ~52%, distributors ~35% and e-commerce ~28%:
every family's full unit cost (material + BOM at contract price + routed labour) is 48% of
its list price, and each channel pays list x its price factor (1.00, 0.74, 0.667).
A few data-quality problems are planted for step 1's checks: a missing month, an outlier,
a zero-revenue row (blocking: the owner waives it), a SKU without a family, inventory that
does not reconcile, and burn-in capacity missing for the end of the horizon.
"""
from __future__ import annotations

import csv
import io
import math
import random
from decimal import Decimal

from django.contrib.auth import get_user_model

from cycles.choices import CycleStatus
from cycles.models import Cycle
from reviews.imports.files import Source
from reviews.models import ImportBatch, ImportSource, ImportStatus
from reviews.selectors import add_months, label
from reviews.services import imports

SEED = 20270101
COST_SHARE = 0.48
CHANNELS = [  # code, name, priority, price factor, target margin, min fill, backlog cost, lost-sale cost, shapeable, elasticity
    ("direct", "Direct enterprise", 1, "1.0000", "0.52", "0.95", "25", "200", "false", ""),
    ("distributor", "Distributors", 2, "0.7400", "0.35", "0.85", "10", "20", "false", ""),
    ("ecommerce", "E-commerce", 3, "0.6670", "0.28", "0", "", "0", "true", "-1.8"),
]
FACTOR = {c[0]: float(c[3]) for c in CHANNELS}
# code, name, group, list price, units/month 2 years ago, growth per month, channel split, die units, extra BOM, hours (WTEST, ASSY, BURN, FTEST)
FAMILIES = [
    ("ART-LO", "Artix-class low-end", "Low-end", 95, 9000, 0.010, (0.35, 0.45, 0.20), 1.0, {}, (0.03, 0.05, 0.02, 0.03)),
    ("ART-IND", "Artix industrial", "Low-end", 140, 4000, 0.008, (0.45, 0.45, 0.10), 1.2, {}, (0.04, 0.06, 0.04, 0.04)),
    ("SPT-LEG", "Spartan legacy", "Low-end", 45, 12000, -0.012, (0.30, 0.50, 0.20), 0.5, {}, (0.01, 0.03, 0.0, 0.01)),
    ("KIN-MID", "Kintex mid-range", "Mid-range", 680, 2500, 0.012, (0.50, 0.40, 0.10), 6.0, {"HSP": 1}, (0.15, 0.20, 0.30, 0.20)),
    ("KIN-AUTO", "Kintex automotive", "Mid-range", 820, 1500, 0.015, (0.60, 0.40, 0.00), 6.5, {"HSP": 1}, (0.18, 0.22, 0.50, 0.25)),
    ("VIR-HI", "Virtex high-end", "High-end", 6500, 300, 0.015, (0.75, 0.25, 0.00), 30.0, {"HSP": 1, "PMIC": 2}, (1.2, 1.5, 3.0, 1.5)),
    ("VIR-HBM", "Virtex HBM", "High-end", 14500, 120, 0.030, (0.80, 0.20, 0.00), 40.0, {"HBM": 4, "HSP": 1}, (1.5, 2.0, 4.0, 2.0)),
    ("ZYQ-SOC", "Zynq SoC", "SoC", 260, 6000, 0.010, (0.40, 0.40, 0.20), 2.5, {"PMIC": 1}, (0.06, 0.08, 0.05, 0.06)),
    ("ZYQ-RF", "Zynq RFSoC", "SoC", 5200, 200, 0.020, (0.70, 0.30, 0.00), 22.0, {"HSP": 1, "PMIC": 2}, (0.9, 1.2, 2.0, 1.2)),
    ("KIT-DEV", "Development kits", "Kits", 1200, 400, 0.005, (0.20, 0.30, 0.50), 3.0, {"PMIC": 4}, (0.1, 0.6, 0.2, 0.4)),
    ("ACC-CARD", "Alveo accelerator cards", "Accelerators", 7800, 250, 0.035, (0.60, 0.35, 0.05), 30.0, {"HBM": 2, "PMIC": 6, "HSP": 1}, (1.2, 2.5, 4.0, 2.0)),
    ("ACC-NIC", "SmartNIC cards", "Accelerators", 3300, 500, 0.025, (0.65, 0.30, 0.05), 12.0, {"PMIC": 4, "HSP": 1}, (0.5, 1.5, 2.0, 1.0)),
]
VARIANTS = ("C1", "C2", "I1", "I2", "E1")
SKU_WEIGHTS = (0.34, 0.26, 0.18, 0.14, 0.08)
# code, name, holding cost, options: (code, kind, supplier, price, lead time, capacity, moq, order cost)
COMPONENTS = [
    ("DIE", "FPGA die (wafer-equivalent unit)", "0.40", [("contract", "contract", "Foundry A", 20.0, 2, "", 40000, 5000),
                                                       ("spot", "spot", "Broker", 27.0, 1, 60000, 0, 0),
                                                       ("air", "expedite", "Foundry A by air", 24.0, 0, 30000, 0, 8000)]),
    ("SUB", "Package substrate", "0.05", [("contract", "contract", "Substrate Co", 3.5, 2, "", 20000, 800),
                                          ("spot", "spot", "Broker", 4.8, 1, 30000, 0, 0),
                                          ("air", "expedite", "Substrate Co by air", 4.6, 0, 15000, 0, 1500)]),
    ("HBM", "HBM memory stack", "3.00", [("contract", "contract", "Memory Corp", 180.0, 3, "", 400, 5000),
                                        ("spot", "spot", "Broker", 245.0, 1, 600, 0, 0),
                                        ("air", "expedite", "Memory Corp by air", 215.0, 0, 400, 0, 9000)]),
    ("PMIC", "Power management IC", "0.03", [("contract", "contract", "Power Semi", 2.2, 2, "", 10000, 400),
                                            ("spot", "spot", "Broker", 3.1, 1, 20000, 0, 0),
                                            ("air", "expedite", "Power Semi by air", 2.9, 0, 10000, 0, 900)]),
    ("HSP", "Heat spreader", "0.02", [("contract", "contract", "Metalworks", 1.5, 1, "", 5000, 200),
                                     ("spot", "spot", "Broker", 2.0, 1, 10000, 0, 0),
                                     ("air", "expedite", "Metalworks by air", 2.4, 0, 5000, 0, 500)]),
    ("PKG", "Packaging and tray", "0.01", [("contract", "contract", "PackRight", 0.4, 1, "", 20000, 100),
                                          ("spot", "spot", "Broker", 0.6, 1, 50000, 0, 0),
                                          ("air", "expedite", "PackRight by air", 0.9, 0, 20000, 0, 300)]),
]
RESOURCES = ["WTEST", "ASSY", "BURN", "FTEST"]
RATE = {"WTEST": 85.0, "ASSY": 45.0, "BURN": 40.0, "FTEST": 70.0}  # ASSY: 7,200 per worker / 160 h
TARIFF_MONTH = 4  # months after the cycle start: +20% on die prices (tariff window)
TARIFF = 1.20


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _money(x: float, places: int = 2) -> str:
    return f"{x:.{places}f}"


class Demo:
    def __init__(self, cycle: Cycle):
        self.cycle = cycle
        self.rng = random.Random(SEED)
        self.start = cycle.start_month
        self.history = [add_months(self.start, -24 + i) for i in range(24)]
        self.horizon = [add_months(self.start, i) for i in range(cycle.horizon_months)]

    # --- master data ---------------------------------------------------------------------------
    def bom_cost(self, fam) -> float:
        price = {k[0]: k[3][0][3] for k in COMPONENTS}
        cost = fam[7] * price["DIE"] + price["SUB"] + price["PKG"]
        return cost + sum(q * price[c] for c, q in fam[8].items())

    def labour(self, fam) -> float:
        return sum(h * RATE[r] for h, r in zip(fam[9], RESOURCES, strict=True))

    def families(self) -> bytes:
        rows = []
        for f in FAMILIES:
            material = COST_SHARE * f[3] - self.bom_cost(f) - self.labour(f)
            assert material > 0, f[0]
            high = f[2] in ("High-end", "Accelerators")
            rows.append([f[0], f[1], f[2], f[3], _money(material, 4), _money(f[3] * 0.015, 4), "",
                         round(f[4] * 0.5), "", _money(f[3] * 0.62, 4) if high else "", round(f[4] * 0.3) if high else "",
                         round(f[4] * 0.3), _money(f[3] * 0.02, 4), "true"])
        return _csv(["code", "name", "group", "list_price", "material_cost", "holding_cost", "unit_value",
                     "min_ending_inventory", "max_production", "subcontract_cost", "subcontract_capacity",
                     "safety_stock", "safety_stock_shortfall_cost", "active"], rows)

    def skus(self) -> bytes:
        rows = [[f"{f[0]}-{v}", f"{f[1]} {v}", f[0], "true"] for f in FAMILIES for v in VARIANTS]
        rows.append(["ZYQ-EVAL-X", "Zynq evaluation bundle (new, family not assigned)", "", "true"])
        return _csv(["code", "name", "family", "active"], rows)

    def channels(self) -> bytes:
        return _csv(["code", "name", "priority", "price_factor", "target_margin", "min_fill_rate", "backlog_cost",
                     "lost_sale_cost", "price_shapeable", "price_elasticity"], [list(c) for c in CHANNELS])

    def load(self) -> dict[str, float]:
        """Average monthly hours per resource over the last 6 months of history."""
        hours = dict.fromkeys(RESOURCES, 0.0)
        for f in FAMILIES:
            units = sum(self.family_units(f, m) for m in self.history[-6:]) / 6
            for r, h in zip(RESOURCES, f[9], strict=True):
                hours[r] += units * h
        return hours

    def resources(self) -> bytes:
        load = self.load()
        workers = math.ceil(load["ASSY"] * 1.02 / 160)
        return _csv(
            ["code", "name", "kind", "capacity_hours", "regular_cost_per_hour", "workforce_initial", "hours_per_worker",
             "cost_per_worker", "hire_cost", "layoff_cost", "workforce_min", "workforce_max", "workforce_integer",
             "overtime_cost_per_hour", "overtime_max_hours", "overtime_max_hours_per_worker"],
            [
                ["WTEST", "Wafer test", "capacity", round(load["WTEST"] * 1.08), "85", "", "", "", "", "", "", "", "",
                 "130", round(load["WTEST"] * 0.15), ""],
                ["ASSY", "Assembly", "workforce", "", "0", workers, "160", "7200", "4000", "6000",
                 max(1, workers - 10), workers + 25, "true", "68", "", "30"],
                ["BURN", "Burn-in", "capacity", round(load["BURN"] * 1.05), "40", "", "", "", "", "", "", "", "",
                 "60", round(load["BURN"] * 0.12), ""],
                ["FTEST", "Final test", "capacity", round(load["FTEST"] * 1.10), "70", "", "", "", "", "", "", "", "",
                 "105", round(load["FTEST"] * 0.15), ""],
            ],
        )

    def routings(self) -> bytes:
        return _csv(["family", "resource", "hours_per_unit"],
                    [[f[0], r, h] for f in FAMILIES for r, h in zip(RESOURCES, f[9], strict=True) if h])

    def components(self) -> bytes:
        return _csv(["code", "name", "holding_cost", "standard_value"], [[c[0], c[1], c[2], ""] for c in COMPONENTS])

    def supply_options(self) -> bytes:
        rows = []
        for code, _, _, options in COMPONENTS:
            for seq, (opt, kind, supplier, price, lead, cap, moq, order_cost) in enumerate(options):
                rows.append([code, opt, kind, supplier, seq, price, lead, cap, moq, order_cost])
        return _csv(["component", "code", "kind", "supplier", "sequence", "price", "lead_time", "capacity", "moq", "order_cost"], rows)

    def option_prices(self) -> bytes:
        tariff = label(add_months(self.start, TARIFF_MONTH))
        rows = [["DIE", opt, tariff, _money(price * TARIFF, 4)] for opt, _, _, price, *_ in COMPONENTS[0][3]]
        return _csv(["component", "option", "effective_from", "price"], rows)

    def family_prices(self) -> bytes:  # legacy parts lose 5% of their price from the cycle on
        return _csv(["family", "effective_from", "price"], [["SPT-LEG", label(self.start), _money(45 * 0.95, 4)]])

    def bom(self) -> bytes:
        rows = []
        for f in FAMILIES:
            rows += [[f[0], "DIE", f[7]], [f[0], "SUB", 1], [f[0], "PKG", 1]]
            rows += [[f[0], c, q] for c, q in f[8].items()]
        return _csv(["family", "component", "quantity_per_unit"], rows)

    def budget(self) -> bytes:
        """The AOP for the cycle's calendar year and the next: growth the history does not support
        for legacy and low-end, too little for the accelerator boom."""
        first = self.start.replace(month=1)
        rows = []
        for f in FAMILIES:
            growth = {"Low-end": 0.012, "Accelerators": 0.010, "High-end": 0.012}.get(f[2], f[5])
            base = self.family_units(f, self.history[-12]) * 1.0
            for i in range(24):
                month = add_months(first, i)
                units = base * (1 + growth) ** (12 + i) * self.season(month)
                price = f[3] * sum(s * FACTOR[c] for s, c in zip(f[6], FACTOR, strict=True))
                revenue = units * price
                rows.append([f[0], label(month), round(units), _money(revenue), _money(revenue - units * f[3] * COST_SHARE),
                             _money(units * 1.2 * f[3] * COST_SHARE)])
        return _csv(["family", "period", "units", "revenue", "margin", "inventory_value"], rows)

    # --- history -------------------------------------------------------------------------------
    @staticmethod
    def season(month) -> float:
        return {1: 0.88, 2: 0.92, 3: 1.0, 4: 0.97, 5: 0.98, 6: 1.02, 7: 0.95, 8: 0.96, 9: 1.05, 10: 1.12, 11: 1.16, 12: 1.10}[month.month]

    def family_units(self, f, month) -> float:
        t = (month.year - self.history[0].year) * 12 + month.month - self.history[0].month
        return f[4] * (1 + f[5]) ** t * self.season(month)

    def shipments(self) -> tuple[bytes, dict]:
        """By SKU (the SKU rows roll up to families), with noise; returns per family x month units."""
        rows, totals = [], {}
        outlier = ("KIN-AUTO", "direct", self.history[-7])
        missing = ("ZYQ-RF", "distributor", self.history[-9])
        free = ("KIT-DEV", "ecommerce", self.history[-5])
        for f in FAMILIES:
            for month in self.history:
                base = self.family_units(f, month)
                for share, channel in zip(f[6], FACTOR, strict=True):
                    if share == 0 or (f[0], channel, month) == missing:
                        continue
                    noise = 0.22 if channel == "ecommerce" else 0.06
                    units = base * share * max(0.2, self.rng.gauss(1.0, noise))
                    if (f[0], channel, month) == outlier:
                        units *= 6  # a keying error: the checks flag it
                    erosion = (1 - 0.004) ** self.history.index(month) if f[2] == "Low-end" else 1.0
                    price = f[3] * FACTOR[channel] * erosion
                    for variant, weight in zip(VARIANTS, SKU_WEIGHTS, strict=True):
                        q = round(units * weight)
                        if q <= 0:
                            continue
                        revenue = 0.0 if (f[0], channel, month) == free else q * price * self.rng.uniform(0.97, 1.03)
                        rows.append([f"{f[0]}-{variant}", channel, label(month), q, _money(revenue)])
                        totals[(f[0], month)] = totals.get((f[0], month), 0) + q
        return _csv(["sku", "channel", "period", "quantity", "revenue"], rows), totals

    def bookings(self) -> bytes:
        rows = []
        for f in FAMILIES:
            for month in self.history:
                for share, channel in zip(f[6], FACTOR, strict=True):
                    if share:
                        q = round(self.family_units(f, add_months(month, 1)) * share * self.rng.gauss(1.0, 0.08))
                        rows.append([f[0], channel, label(month), max(q, 0), _money(max(q, 0) * f[3] * FACTOR[channel])])
        return _csv(["family", "channel", "period", "quantity", "revenue"], rows)

    def financials(self, totals: dict) -> bytes:
        rows = []
        for f in FAMILIES:
            avg = f[3] * sum(s * FACTOR[c] for s, c in zip(f[6], FACTOR, strict=True))
            for month in self.history:
                units = totals.get((f[0], month), 0)
                revenue = units * avg
                cogs = units * f[3] * COST_SHARE
                rows.append([f[0], label(month), _money(revenue), _money(cogs), _money(revenue - cogs)])
        return _csv(["family", "period", "revenue", "cogs", "margin"], rows)

    # --- cycle snapshots -------------------------------------------------------------------------
    def inventory(self, totals: dict) -> bytes:
        rows = []
        for f in FAMILIES:
            on_hand = round(self.family_units(f, self.history[-7]) * 1.1)
            for month in self.history[-6:]:
                shipped = totals.get((f[0], month), 0)
                receipts = round(shipped * self.rng.uniform(0.95, 1.08))
                on_hand = on_hand + receipts - shipped
                booked = on_hand + (round(on_hand * 0.15) if (f[0], month) == ("ZYQ-SOC", self.history[-2]) else 0)
                rows.append([f[0], label(month), booked, receipts, _money(booked * f[3] * COST_SHARE)])
                on_hand = booked
        return _csv(["family", "period", "on_hand", "receipts", "value"], rows)

    def open_orders(self) -> bytes:
        rows = []
        for f in FAMILIES:
            for share, channel in zip(f[6], FACTOR, strict=True):
                if not share or channel == "ecommerce":
                    continue
                demand = self.family_units(f, self.start) * share
                rows.append([f[0], channel, label(add_months(self.start, -1)), round(demand * 0.04), ""])
                for i, cover in enumerate((0.7, 0.4, 0.15)):
                    rows.append([f[0], channel, label(add_months(self.start, i)), round(demand * cover),
                                 _money(demand * cover * f[3] * FACTOR[channel])])
        return _csv(["family", "channel", "period", "quantity", "value"], rows)

    def capacity(self, resources_csv: bytes) -> bytes:
        caps = {r["code"]: r for r in csv.DictReader(io.StringIO(resources_csv.decode()))}
        rows = []
        for month in self.horizon:
            for code in ("WTEST", "BURN", "FTEST"):
                if code == "BURN" and month >= self.horizon[-6]:
                    continue  # planted: burn-in capacity not given for the end of the horizon
                hours = float(caps[code]["capacity_hours"])
                if month.month == 8:
                    hours *= 0.85  # summer shutdown week
                rows.append([code, label(month), round(hours), ""])
        return _csv(["resource", "period", "hours", "workers"], rows)

    def component_supply(self) -> bytes:
        rows = []
        need = {c[0]: 0.0 for c in COMPONENTS}
        for f in FAMILIES:
            units = self.family_units(f, self.start)
            need["DIE"] += units * f[7]
            need["SUB"] += units
            need["PKG"] += units
            for c, q in f[8].items():
                need[c] += units * q
        for code, monthly in need.items():
            rows.append([code, label(self.start), round(monthly * 0.8), round(monthly * 0.5)])
            rows.append([code, label(add_months(self.start, 1)), "", round(monthly * 0.3)])
        return _csv(["component", "period", "on_hand", "receipts"], rows)


def _import(kind: str, data: bytes, *, actor, cycle=None, stdout=None) -> ImportBatch | None:
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    done = ImportBatch.objects.filter(kind=kind, cycle=cycle, file_hash=digest, status=ImportStatus.APPLIED).exists()
    if done:
        return None
    batch = imports.import_data(actor=actor, kind=kind, source=Source(name=f"demo-{kind}.csv", data=data), cycle=cycle,
                                origin=ImportSource.DEMO, run_async=False)
    if batch.status not in (ImportStatus.APPLIED, ImportStatus.DUPLICATE):
        raise RuntimeError(f"demo import of {kind} failed: {batch.message} {batch.errors[:5]}")
    if stdout is not None:
        stdout.write(f"  {kind}: {batch.message}")
    return batch


def seed(*, stdout) -> None:
    cycle = Cycle.objects.filter(status=CycleStatus.OPEN).order_by("-start_month").first()
    if cycle is None:
        stdout.write("No open cycle: the demo actuals need one (cycles.demo opens it).")
        return
    User = get_user_model()
    owner = User.objects.get(username="owner")
    erp = User.objects.get(username="erp")
    demo = Demo(cycle)
    stdout.write(f"Loading the demo FPGA company through the import service (cycle {cycle.label}):")
    resources = demo.resources()
    for kind, data in (
        ("families", demo.families()), ("channels", demo.channels()), ("resources", resources),
        ("components", demo.components()), ("supply_options", demo.supply_options()),
        ("option_prices", demo.option_prices()), ("skus", demo.skus()), ("routings", demo.routings()),
        ("bom", demo.bom()), ("family_prices", demo.family_prices()), ("budget", demo.budget()),
    ):
        _import(kind, data, actor=owner, stdout=stdout)
    shipments, totals = demo.shipments()
    _import("shipments", shipments, actor=erp, stdout=stdout)
    _import("bookings", demo.bookings(), actor=erp, stdout=stdout)
    _import("financials", demo.financials(totals), actor=erp, stdout=stdout)
    for kind, data in (
        ("inventory", demo.inventory(totals)), ("open_orders", demo.open_orders()),
        ("capacity", demo.capacity(resources)), ("component_supply", demo.component_supply()),
    ):
        _import(kind, data, actor=erp, cycle=cycle, stdout=stdout)


__all__ = ["seed", "Demo", "Decimal"]
