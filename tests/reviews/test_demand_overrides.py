"""Override rules: an assumption is required; absolute and % edits; range edits; group-level and
all-channel edits disaggregate by baseline mix and add back exactly; history is never deleted."""
from decimal import Decimal

import pytest

from cycles.models import Event
from reviews.demand import services
from reviews.demand.services import Target
from reviews.models import Assumption, ConsensusCell, Override
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.reviews.demand_helpers import catalog, d, install_baseline, open_demand_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cycle, personas):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    install_baseline(cycle, {
        (fams["KX"], chans["DIR"]): 100, (fams["KX"], chans["DIS"]): 50,
        (fams["AX"], chans["DIR"]): 30, (fams["ZQ"], chans["WEB"]): 7,
    })
    return cycle, fams, chans


def qty(cycle, fam, chan, period):
    return ConsensusCell.objects.get(cycle=cycle, family=fam, channel=chan, period=d(period)).quantity


def leaf(fam, chan, period, seen=None):
    return Target(period=d(period), family_ids=(fam.pk,), channel_ids=(chan.pk,), seen=seen, label=fam.code)


NEW = {"category": "promotion", "text": "E-commerce promotion in Q4"}


def test_an_override_without_an_assumption_is_refused(setup, demand):
    cycle, fams, chans = setup
    with pytest.raises(ApplicationError, match="needs an assumption"):
        services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-03")],
                                kind="absolute", value=120, require_seen=False)
    with pytest.raises(ApplicationError, match="needs an assumption"):
        services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-03")],
                                kind="absolute", value=120, new_assumption={"category": "market", "text": "  "},
                                require_seen=False)
    assert not Override.objects.exists()
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-03") == 100


def test_a_too_short_assumption_is_refused(setup, demand):
    cycle, fams, chans = setup
    with pytest.raises(ApplicationError, match="at least"):
        services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-03")],
                                kind="absolute", value=120, new_assumption={"category": "market", "text": "ok"},
                                require_seen=False)


def test_absolute_override_sets_the_cell_and_revenue_follows(setup, demand):
    cycle, fams, chans = setup
    result = services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIS"], "2027-03")],
                                     kind="absolute", value="75", new_assumption=NEW, require_seen=False)
    cell = ConsensusCell.objects.get(cycle=cycle, family=fams["KX"], channel=chans["DIS"], period=d("2027-03"))
    assert cell.quantity == 75 and cell.baseline == 50
    assert cell.price == Decimal("80.0000")  # list 100 x distribution factor 0.8
    assert cell.revenue == Decimal("6000.00")
    ov = result.overrides[0]
    assert (ov.quantity_before, ov.quantity, ov.effect) == (50, 75, 25)
    assert ov.assumption.text == NEW["text"] and ov.assumption.owner == demand
    event = Event.objects.get(verb="demand.consensus_edited")
    assert event.after["cells"] == [{"family": "KX", "channel": "DIS", "period": "2027-03", "after": "75"}]
    assert event.before["cells"][0]["before"] == "50"


def test_percent_override_scales_the_cell(setup, sales):
    cycle, fams, chans = setup
    services.consensus_edit(actor=sales, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-05")],
                            kind="percent", value="15", new_assumption=NEW, require_seen=False)
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-05") == 115
    services.consensus_edit(actor=sales, cycle=cycle, targets=[leaf(fams["ZQ"], chans["WEB"], "2027-05")],
                            kind="percent", value="-50", new_assumption={**NEW, "text": "Price war on e-commerce"},
                            require_seen=False)
    assert qty(cycle, fams["ZQ"], chans["WEB"], "2027-05") == 4  # 3.5 rounds half up to whole units


def test_overrides_stack_in_order_and_effects_add_up(setup, demand, sales):
    cycle, fams, chans = setup
    target = [leaf(fams["KX"], chans["DIR"], "2027-04")]
    services.consensus_edit(actor=sales, cycle=cycle, targets=target, kind="percent", value=10,
                            new_assumption={"category": "new_customer", "text": "ACME design win +10 %"},
                            require_seen=False)
    services.consensus_edit(actor=demand, cycle=cycle, targets=target, kind="percent", value=-20,
                            new_assumption={"category": "market", "text": "Market softening in Q2"},
                            require_seen=False)
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-04") == 88  # 100 x 1.1 x 0.8
    effects = list(Override.objects.order_by("sequence").values_list("quantity_before", "quantity"))
    assert effects == [(100, 110), (110, 88)]


def test_the_same_author_and_assumption_corrects_the_top_override_in_place(setup, demand):
    cycle, fams, chans = setup
    target = [leaf(fams["KX"], chans["DIR"], "2027-04")]
    first = services.consensus_edit(actor=demand, cycle=cycle, targets=target, kind="absolute", value=130,
                                    new_assumption=NEW, require_seen=False)
    services.consensus_edit(actor=demand, cycle=cycle, targets=target, kind="absolute", value=125,
                            assumption_id=first.assumption.pk, require_seen=False)
    ov = Override.objects.get()
    assert (ov.value, ov.quantity, ov.version) == (125, 125, 2)


def test_range_edit_changes_every_selected_cell(setup, demand):
    cycle, fams, chans = setup
    targets = [leaf(fams["KX"], chans["DIR"], p) for p in ("2027-10", "2027-11", "2027-12")]
    targets.append(leaf(fams["AX"], chans["DIR"], "2027-10"))
    services.consensus_edit(actor=demand, cycle=cycle, targets=targets, kind="percent", value=20, new_assumption=NEW,
                            require_seen=False)
    assert [qty(cycle, fams["KX"], chans["DIR"], p) for p in ("2027-09", "2027-10", "2027-11", "2027-12")] == [
        100, 120, 120, 120]
    assert qty(cycle, fams["AX"], chans["DIR"], "2027-10") == 36
    assert Override.objects.count() == 4
    assert Event.objects.filter(verb="demand.consensus_edited").count() == 1  # one edit, one history row


def test_group_edit_disaggregates_by_baseline_mix_and_adds_back_exactly(setup, demand):
    cycle, fams, chans = setup
    # FPGA group, all channels: KX/DIR 100, KX/DIS 50, AX/DIR 30 = 180 -> set to 1000.
    target = Target(period=d("2027-06"), family_ids=(fams["KX"].pk, fams["AX"].pk), channel_ids=None, label="FPGA")
    services.consensus_edit(actor=demand, cycle=cycle, targets=[target], kind="absolute", value=1000,
                            new_assumption=NEW, require_seen=False)
    got = {(c.family.code, c.channel.code): c.quantity for c in ConsensusCell.objects.filter(
        cycle=cycle, period=d("2027-06"), family__group="FPGA").select_related("family", "channel")}
    assert sum(got.values()) == 1000
    # 1000 x 100/180 = 555.6, x 50/180 = 277.8, x 30/180 = 166.7: floors 555+277+166 = 998, the two
    # largest remainders (.8 and .7) get a unit each.
    assert got == {("KX", "DIR"): 555, ("KX", "DIS"): 278, ("AX", "DIR"): 167}
    assert all(o.kind == "absolute" and o.scope["level"] == "aggregate" for o in Override.objects.all())


def test_group_percent_edit_keeps_the_mix_and_rounds_once(setup, demand):
    cycle, fams, chans = setup
    target = Target(period=d("2027-06"), family_ids=(fams["KX"].pk, fams["AX"].pk), channel_ids=None, label="FPGA")
    services.consensus_edit(actor=demand, cycle=cycle, targets=[target], kind="percent", value="3.3",
                            new_assumption=NEW, require_seen=False)
    cells = ConsensusCell.objects.filter(cycle=cycle, period=d("2027-06"), family__group="FPGA")
    assert sum(c.quantity for c in cells) == 186  # round(180 x 1.033) = 185.94 -> 186


def test_family_edit_over_all_channels_splits_over_its_channels(setup, demand):
    cycle, fams, chans = setup
    target = Target(period=d("2027-07"), family_ids=(fams["KX"].pk,), channel_ids=None, label="KX")
    services.consensus_edit(actor=demand, cycle=cycle, targets=[target], kind="absolute", value=301,
                            new_assumption=NEW, require_seen=False)
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-07") == 201
    assert qty(cycle, fams["KX"], chans["DIS"], "2027-07") == 100


def test_a_new_family_channel_gets_its_own_cells(setup, demand):
    cycle, fams, chans = setup
    services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["ZQ"], chans["DIR"], "2027-09")],
                            kind="absolute", value=40,
                            new_assumption={"category": "launch", "text": "Zynq launch to direct accounts"},
                            require_seen=False)
    assert qty(cycle, fams["ZQ"], chans["DIR"], "2027-09") == 40
    assert qty(cycle, fams["ZQ"], chans["DIR"], "2027-08") == 0
    assert ConsensusCell.objects.filter(cycle=cycle, family=fams["ZQ"], channel=chans["DIR"]).count() == 24


def test_removing_an_override_needs_a_reason_and_keeps_it(setup, demand):
    cycle, fams, chans = setup
    ov = services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-03")],
                                 kind="absolute", value=150, new_assumption=NEW, require_seen=False).overrides[0]
    with pytest.raises(ApplicationError, match="reason"):
        services.override_delete(actor=demand, override=ov, reason=" ")
    services.override_delete(actor=demand, override=ov, reason="Promotion cancelled")
    ov.refresh_from_db()
    assert ov.deleted_at is not None and ov.delete_reason == "Promotion cancelled"
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-03") == 100
    assert Override.objects.count() == 1
    assert Event.objects.filter(verb="demand.override_removed").exists()


def test_a_new_baseline_reapplies_the_overrides(setup, demand):
    cycle, fams, chans = setup
    services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-03")],
                            kind="percent", value=10, new_assumption=NEW, require_seen=False)
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 200})
    assert qty(cycle, fams["KX"], chans["DIR"], "2027-03") == 220
    # Series without a baseline any more keep their cells, at zero.
    assert qty(cycle, fams["AX"], chans["DIR"], "2027-03") == 0


def test_cells_outside_the_horizon_are_refused(setup, demand):
    cycle, fams, chans = setup
    with pytest.raises(ApplicationError, match="outside"):
        services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2026-12")],
                                kind="absolute", value=1, new_assumption=NEW, require_seen=False)


@pytest.mark.parametrize("kind,value", [("absolute", -1), ("percent", -101), ("percent", "abc"), ("bogus", 1)])
def test_bad_values_are_refused(setup, demand, kind, value):
    cycle, fams, chans = setup
    with pytest.raises(ApplicationError):
        services.consensus_edit(actor=demand, cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-03")],
                                kind=kind, value=value, new_assumption=NEW, require_seen=False)


@pytest.mark.parametrize("role", ["process_owner", "supply_planner", "finance", "executive", "integration", "outsider"])
def test_only_demand_planner_and_sales_edit(setup, personas, role):
    cycle, fams, chans = setup
    with pytest.raises(PermissionDeniedError):
        services.consensus_edit(actor=personas[role], cycle=cycle, targets=[leaf(fams["KX"], chans["DIR"], "2027-03")],
                                kind="absolute", value=1, new_assumption=NEW, require_seen=False)
    with pytest.raises(PermissionDeniedError):
        services.assumption_create(actor=personas[role], cycle=cycle, category="other", text="Something long enough")
    assert not Assumption.objects.exists()


def test_edits_wait_for_demand_review_to_open(cycle, demand):
    fams, chans = catalog()
    with pytest.raises(ConflictError, match="not open yet"):
        services.assumption_create(actor=demand, cycle=cycle, category="other", text="Something long enough")
