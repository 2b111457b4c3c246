"""Each validation rule, with a failing file: the batch is rejected, nothing is stored, and the
error names the row, the column, the value and the reason."""
import pytest

from catalog.models import Channel, ProductFamily, Resource
from reviews.models import Booking, Shipment
from tests.reviews.helpers import imp

H = "family,channel,period,quantity,revenue\n"
OK = "ART,direct,2027-01,10,950\n"


def rejected(batch, row, column, reason):
    assert batch.status == "rejected", batch.message
    assert any(e["row"] == row and e["column"] == column and reason in e["reason"] for e in batch.errors), batch.errors
    return batch


CASES = [
    ("unknown family code", H + OK + "NOPE,direct,2027-01,10,950\n", 3, "family", "unknown family code"),
    ("unknown channel code", H + "ART,retail,2027-01,10,950\n", 2, "channel", "unknown channel code"),
    ("non-numeric quantity", H + "ART,direct,2027-01,ten,950\n", 2, "quantity", "is not a number"),
    ("thousand separators", H + 'ART,direct,2027-01,"1,000",950\n', 2, "quantity", "is not a number"),
    ("negative quantity", H + "ART,direct,2027-01,-5,950\n", 2, "quantity", "must not be negative"),
    ("negative revenue", H + "ART,direct,2027-01,5,-950\n", 2, "revenue", "must not be negative"),
    ("huge number", H + "ART,direct,2027-01,1e99,950\n", 2, "quantity", "is too large"),
    ("too large", H + "ART,direct,2027-01,123456789012,950\n", 2, "quantity", "is too large"),
    ("bad period", H + "ART,direct,2027-13,10,950\n", 2, "period", "is not a month"),
    ("period as text", H + "ART,direct,January,10,950\n", 2, "period", "is not a month"),
    ("required blank", H + "ART,,2027-01,10,950\n", 2, "channel", "is required"),
    ("duplicate key", H + OK + "ART,direct,2027-01,12,1100\n", 3, "family", "duplicate key (family, channel, period) of row 2"),
    ("missing column", "family,channel,period,revenue\nART,direct,2027-01,950\n", 1, "quantity", "missing column"),
    ("unknown column", "family,channel,period,quantity,colour\nART,direct,2027-01,1,red\n", 1, "colour", "unknown column"),
    ("duplicate column", "family,channel,period,quantity,quantity\nART,direct,2027-01,1,2\n", 1, "quantity", "duplicate column"),
    ("no family or sku column", "channel,period,quantity\ndirect,2027-01,1\n", 1, "family", "needs one of family, sku"),
    ("neither family nor sku", "family,sku,channel,period,quantity\n,,direct,2027-01,1\n", 2, "family", "needs a family or a sku"),
    ("unknown sku", "sku,channel,period,quantity\nZZZ,direct,2027-01,1\n", 2, "sku", "unknown SKU code"),
    ("sku of another family", "family,sku,channel,period,quantity\nKIN,ART-C1,direct,2027-01,1\n", 2, "sku", "belongs to another family"),
    ("family and sku rows of one month", "family,sku,channel,period,quantity\nART,,direct,2027-01,5\n,ART-C1,direct,2027-01,1\n", 3, "sku", "count twice"),
    ("period and date both", "family,channel,period,date,quantity\nART,direct,2027-01,2027-01-02,1\n", 1, "date", "not both"),
    ("bad date", "family,channel,date,quantity\nART,direct,2027-02-30,1\n", 2, "date", "is not a date"),
    ("wrong field count", H + "ART,direct,2027-01,10,950,extra\n", 2, "", "wrong number of fields"),
    ("no data rows", H, 2, "", "no data rows"),
]


@pytest.mark.parametrize("text,row,column,reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_shipments_file_is_rejected_with_the_row_column_value_and_reason(owner, catalog_loaded, text, row, column, reason):
    before = Shipment.objects.count()
    batch = imp(owner, "shipments", text)
    rejected(batch, row, column, reason)
    assert Shipment.objects.count() == before
    assert "nothing was stored" in batch.message


def test_every_error_of_a_file_is_reported_not_just_the_first(owner, catalog_loaded):
    batch = imp(owner, "shipments", H + "X,direct,2027-01,a,1\nART,y,2027-13,-1,1\n")
    assert batch.error_count == 5
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "family"), (2, "quantity"), (3, "channel"), (3, "period"), (3, "quantity")]


def test_errors_are_capped_with_a_count_of_the_rest(owner, catalog_loaded):
    batch = imp(owner, "shipments", H + "".join(f"ART,direct,2027-01,x{i},1\n" for i in range(500)))
    assert batch.error_count == 999  # 500 non-numeric quantities and 499 repeats of row 2's key
    assert len(batch.errors) == 200
    assert batch.errors_not_shown == 799
    assert "799 more not shown" in batch.message


def test_dated_rows_add_up_into_their_month(owner, catalog_loaded):
    batch = imp(owner, "bookings", "family,channel,date,quantity\nART,direct,2027-01-03,4\nART,direct,2027-01-20,6\n")
    assert batch.status == "applied"
    assert list(Booking.objects.values_list("quantity", flat=True)) == [10]


MASTER = [
    ("bad code", "families", "code,name\nA B,Spaces\n", 2, "code", "is not a valid code"),
    ("formula in a name", "families", "code,name\nX1,=HYPERLINK(\"http://x\")\n", 2, "name", "spreadsheet formula"),
    ("formula with at", "families", "code,name\nX1,@SUM(A1)\n", 2, "name", "spreadsheet formula"),
    ("bad boolean", "families", "code,name,active\nX1,One,maybe\n", 2, "active", "must be true or false"),
    ("share above one", "channels", "code,name,min_fill_rate,lost_sale_cost\nc1,C,1.5,0\n", 2, "min_fill_rate", "between 0 and 1"),
    ("no backlog and no lost sales", "channels", "code,name,lost_sale_cost\nc1,C,\n", 2, "lost_sale_cost", "must allow lost sales"),
    ("bad choice", "resources", "code,name,kind,capacity_hours\nR1,R,robots,10\n", 2, "kind", "must be one of capacity, workforce"),
    ("capacity resource without hours", "resources", "code,name,kind\nR1,R,capacity\n", 2, "capacity_hours", "needs capacity_hours"),
    ("workforce without workers", "resources", "code,name,kind\nR1,R,workforce\n", 2, "workforce_initial", "needs workforce_initial"),
    ("min above max", "resources", "code,name,kind,workforce_initial,hours_per_worker,workforce_min,workforce_max\nR1,R,workforce,5,160,9,3\n", 2, "workforce_min", "above workforce_max"),
    ("not whole", "supply_options", "component,code,kind,price,lead_time\nDIE,x,spot,1,1.5\n", 2, "lead_time", "is not a whole number"),
    ("unknown component", "bom", "family,component,quantity_per_unit\nART,NOPE,1\n", 2, "component", "unknown component code"),
    ("unknown option", "option_prices", "component,option,effective_from,price\nDIE,barter,2027-01,1\n", 2, "option", "unknown supply option code"),
    ("budget bad month", "budget", "family,period,units,revenue,margin\nART,2027-1,1,1,1\n", 2, "period", "is not a month"),
]


@pytest.mark.parametrize("kind,text,row,column,reason", [c[1:] for c in MASTER], ids=[c[0] for c in MASTER])
def test_a_bad_master_data_file_is_rejected_and_changes_nothing(owner, catalog_loaded, kind, text, row, column, reason):
    counts = (ProductFamily.objects.count(), Channel.objects.count(), Resource.objects.count())
    batch = imp(owner, kind, text)
    rejected(batch, row, column, reason)
    assert (ProductFamily.objects.count(), Channel.objects.count(), Resource.objects.count()) == counts


def test_a_snapshot_kind_needs_a_cycle_and_master_data_refuses_one(owner, catalog_loaded, cycle):
    from sop.errors import ApplicationError

    with pytest.raises(ApplicationError, match="belong to a cycle"):
        imp(owner, "inventory", "family,period,on_hand\nART,2026-12,5\n")
    with pytest.raises(ApplicationError, match="belong to no cycle"):
        imp(owner, "families", "code,name\nX,Y\n", cycle=cycle)


def test_capacity_rows_need_hours_or_workers(owner, catalog_loaded, cycle):
    batch = imp(owner, "capacity", "resource,period,hours,workers\nWTEST,2027-01,,\n", cycle=cycle)
    rejected(batch, 2, "hours", "needs hours or workers")


def test_excel_style_semicolon_csv_and_bom_are_read(owner, catalog_loaded):
    batch = imp(owner, "shipments", "\ufefffamily;channel;period;quantity\nART;direct;2027-01;4\n".encode())
    assert batch.status == "applied", batch.errors
