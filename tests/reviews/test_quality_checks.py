"""Step 1's data-quality checks, the sign guard and waivers."""
import pytest

from cycles import services as cycle_services
from cycles.models import Event
from reviews.models import Finding
from reviews.services import quality
from sop.errors import ApplicationError, PermissionDeniedError
from tests.cycles.helpers import step
from tests.reviews.helpers import imp

H = "family,channel,period,quantity,revenue\n"


def months(n=24, start=(2025, 1)):
    y, m = start
    for _ in range(n):
        yield f"{y:04d}-{m:02d}"
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def history(skip=(), zero=(), spike=None):
    rows = []
    for i, p in enumerate(months()):
        if p in skip:
            continue
        q = 100 + (i % 3)
        if p == spike:
            q = 1000
        rows.append(f"ART,direct,{p},{q},{0 if p in zero else q * 95}\n")
    return H + "".join(rows)


def checks(cycle):
    return {(f.check_code, f.subject): f for f in Finding.objects.filter(cycle=cycle).exclude(status="resolved")}


def test_a_clean_history_has_no_finding_but_capacity(owner, catalog_loaded, cycle):
    imp(owner, "shipments", history())
    assert {c for c, _ in checks(cycle)} <= {"capacity_missing"}


def test_a_missing_recent_month_blocks_and_an_older_one_warns(owner, catalog_loaded, cycle):
    imp(owner, "shipments", history(skip=("2025-06", "2026-12")))
    found = checks(cycle)[("missing_months", "ART/direct")]
    assert found.severity == "blocking"
    assert found.details["months"] == ["2025-06", "2026-12"]


def test_outliers_zero_revenue_and_skus_without_family_are_found(owner, catalog_loaded, cycle):
    imp(owner, "skus", "code,name,family\nORPHAN,No family yet,\n")
    imp(owner, "shipments", history(zero=("2026-03",), spike="2025-09"))
    found = checks(cycle)
    assert found[("outlier", "ART/direct/2025-09")].severity == "warning"
    assert found[("zero_revenue", "ART/direct/2026-03")].severity == "blocking"
    assert found[("sku_without_family", "ORPHAN")].severity == "warning"


def test_inventory_that_does_not_roll_forward_is_flagged(owner, catalog_loaded, cycle):
    imp(owner, "shipments", history())
    imp(owner, "inventory", "family,period,on_hand,receipts\nART,2026-11,500,\nART,2026-12,900,100\n", cycle=cycle)
    found = checks(cycle)[("inventory_reconciliation", "ART/2026-12")]
    assert "off by" in found.message


def test_capacity_missing_for_the_horizon_is_a_warning_when_the_catalog_has_a_default(owner, catalog_loaded, cycle):
    imp(owner, "capacity", "resource,period,hours\nWTEST,2027-01,1000\n", cycle=cycle)
    found = checks(cycle)[("capacity_missing", "WTEST")]
    assert found.severity == "warning" and len(found.details["months"]) == 23


def test_the_owner_cannot_sign_step_one_while_a_blocking_finding_is_open(owner, catalog_loaded, cycle):
    imp(owner, "shipments", history(zero=("2026-03",)))
    with pytest.raises(ApplicationError, match="1 blocking data-quality finding is open"):
        cycle_services.step_sign(actor=owner, step=step(cycle, "data_gathering"))
    assert step(cycle, "data_gathering").status == "open"


def test_a_waiver_with_a_comment_lets_the_owner_sign_and_is_in_the_history(owner, catalog_loaded, cycle):
    imp(owner, "shipments", history(zero=("2026-03",)))
    finding = Finding.objects.get(check_code="zero_revenue")
    with pytest.raises(ApplicationError, match="needs a comment"):
        quality.finding_waive(actor=owner, finding=finding, comment="  ")
    quality.finding_waive(actor=owner, finding=finding, comment="Free samples for a trade show")
    event = Event.objects.get(verb="quality.waived")
    assert event.comment == "Free samples for a trade show" and event.step.kind == "data_gathering"
    cycle_services.step_sign(actor=owner, step=step(cycle, "data_gathering"))
    assert step(cycle, "data_gathering").status == "signed_off"


def test_only_the_process_owner_waives(demand, owner, catalog_loaded, cycle):
    imp(owner, "shipments", history(zero=("2026-03",)))
    with pytest.raises(PermissionDeniedError):
        quality.finding_waive(actor=demand, finding=Finding.objects.get(check_code="zero_revenue"), comment="fine")


def test_rerunning_keeps_a_waiver_and_a_fixed_file_resolves_the_finding(owner, catalog_loaded, cycle):
    imp(owner, "shipments", history(zero=("2026-03",)))
    finding = Finding.objects.get(check_code="zero_revenue")
    quality.finding_waive(actor=owner, finding=finding, comment="ok")
    quality.checks_run(cycle=cycle, actor=owner, reason="on demand")
    finding.refresh_from_db()
    assert finding.status == "waived"
    imp(owner, "shipments", history())
    finding.refresh_from_db()
    assert finding.status == "resolved"


def test_imports_into_a_signed_off_data_gathering_are_refused(owner, catalog_loaded, cycle):
    from sop.errors import ConflictError

    cycle_services.step_sign(actor=owner, step=step(cycle, "data_gathering"))
    with pytest.raises(ConflictError, match="signed off"):
        imp(owner, "inventory", "family,period,on_hand\nART,2026-12,1\n", cycle=cycle)
