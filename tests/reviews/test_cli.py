"""python manage.py import_data: inline, prints every error, exits non-zero on a rejected file."""
import io

import pytest
from django.core.management import CommandError, call_command

from reviews.models import Shipment
from tests.reviews.helpers import SAMPLES


def test_the_cli_imports_a_file_and_reports_the_counts(owner, catalog_loaded, tmp_path):
    out = io.StringIO()
    call_command("import_data", "shipments", str(SAMPLES / "shipments.csv"), stdout=out)
    assert "Applied" in out.getvalue() and "8 added" in out.getvalue()
    assert Shipment.objects.count() == 8


def test_the_cli_lists_errors_and_exits_non_zero(owner, catalog_loaded, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("family,channel,period,quantity\nXX,direct,2027-01,1\nART,direct,2027-13,-1\n")
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_data", "shipments", str(bad), stdout=io.StringIO(), stderr=err)
    assert exc.value.returncode == 2
    assert "row 2, column family, value 'XX': unknown family code" in err.getvalue()
    assert "row 3, column period, value '2027-13': is not a month" in err.getvalue()
    assert not Shipment.objects.exists()


def test_the_cli_dry_run_and_cycle(owner, catalog_loaded, cycle):
    out = io.StringIO()
    call_command("import_data", "inventory", str(SAMPLES / "inventory.csv"), "--cycle", "2027-01", "--dry-run", stdout=out)
    assert "Validated (dry run)" in out.getvalue() and "Would import 4 rows" in out.getvalue()
