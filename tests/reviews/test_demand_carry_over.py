"""Carrying the prior cycle's overrides into this cycle's horizon: what is offered, what is copied
(kind, value, order, a copy of the assumption), what is left alone, who may, and through which door."""
from decimal import Decimal

import pytest
from django.urls import reverse

from cycles import services as cycle_services
from cycles.models import Event
from reviews.demand import carryover, services
from reviews.demand.services import Target
from reviews.models import Assumption, ConsensusCell, Override
from sop.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.cycles.helpers import sign_through
from tests.reviews.demand_helpers import catalog, d, install_baseline, open_demand_review

pytestmark = pytest.mark.django_db


def edit(actor, cycle, fam, chan, month, kind, value, text):
    return services.consensus_edit(actor=actor, cycle=cycle, targets=[
        Target(period=d(month), family_ids=(fam.pk,), channel_ids=(chan.pk,))], kind=kind, value=value,
        new_assumption={"category": "promotion", "text": text}, require_seen=False)


def cell(cycle, fam, chan, month):
    return ConsensusCell.objects.get(cycle=cycle, family=fam, channel=chan, period=d(month)).quantity


@pytest.fixture
def setup(cycle, personas, owner):
    """Prior 2026-12 with overrides in and out of 2027-01's horizon; 2027-01 in its demand review."""
    fams, chans = catalog()
    kx, ax, direct, dist = fams["KX"], fams["AX"], chans["DIR"], chans["DIS"]
    prior = cycle_services.cycle_open(actor=owner, label="2026-12")
    sign_through(prior, personas, "data_gathering")
    install_baseline(prior, {(kx, direct): 100, (ax, dist): 40})
    sales, planner = personas["sales"], personas["demand_planner"]
    edit(sales, prior, kx, direct, "2027-02", "absolute", 130, "Spring promotion at ACME")
    edit(planner, prior, ax, dist, "2027-03", "percent", 20, "Distributors restock before the price rise")
    edit(sales, prior, kx, direct, "2026-12", "absolute", 90, "December slip at ACME, one month only")  # not in 2027-01's horizon
    gone = edit(planner, prior, ax, dist, "2027-04", "percent", 10, "A tender we later lost, withdrawn")
    services.override_delete(actor=planner, override=gone.overrides[0], reason="tender lost", expected_version=1)
    edit(sales, prior, kx, direct, "2027-05", "percent", 5, "May trade show uplift at ACME")
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(kx, direct): 110, (ax, dist): 50})
    edit(planner, cycle, kx, direct, "2027-05", "absolute", 200, "ACME's May order is confirmed at 200")
    return cycle, prior, fams, chans


def test_the_offer_is_the_live_overrides_of_this_horizon_not_overridden_here(setup):
    cycle, prior, fams, chans = setup
    found = carryover.offer(cycle)
    assert found.prior == prior
    assert [(o.family.code, o.channel.code, o.period, o.kind, o.value) for o in found.overrides] == [
        ("KX", "DIR", d("2027-02"), "absolute", Decimal("130")), ("AX", "DIS", d("2027-03"), "percent", Decimal("20"))]
    assert (found.assumptions, found.cells, found.skipped_cells) == (2, 2, 1)  # May: this cycle decided it


def test_carrying_copies_kind_value_and_assumption_and_recomputes_the_consensus(setup, personas):
    cycle, prior, fams, chans = setup
    planner = personas["demand_planner"]
    done = carryover.carry_over(actor=planner, cycle=cycle)
    assert done.prior == prior and len(done.overrides) == 2 and done.skipped_cells == 1
    assert cell(cycle, fams["KX"], chans["DIR"], "2027-02") == Decimal("130")  # absolute stays absolute
    assert cell(cycle, fams["AX"], chans["DIS"], "2027-03") == Decimal("60")  # +20 % of this cycle's 50
    assert cell(cycle, fams["KX"], chans["DIR"], "2027-05") == Decimal("200")  # this cycle's own, untouched
    copied = Assumption.objects.filter(cycle=cycle, text__in=["Spring promotion at ACME",
                                                              "Distributors restock before the price rise"])
    assert copied.count() == 2
    originals = {a.text: a for a in Assumption.objects.filter(cycle=prior)}
    for a in copied:
        assert (a.category, a.owner_id) == (originals[a.text].category, originals[a.text].owner_id)
    for o in done.overrides:
        assert o.author == planner and o.assumption.cycle_id == cycle.pk
        assert o.scope["from_cycle"] == "2026-12" and Override.objects.get(pk=o.scope["carried_from"]).cycle_id == prior.pk
    event = Event.objects.get(verb="demand.overrides_carried", cycle=cycle)
    assert event.after["overrides"] == 2 and event.after["from_cycle"] == "2026-12" and len(event.after["cells"]) == 2


def test_what_was_carried_is_not_carried_again_even_after_removal(setup, personas):
    cycle, _, _, _ = setup
    planner = personas["demand_planner"]
    done = carryover.carry_over(actor=planner, cycle=cycle)
    assert carryover.offer(cycle).overrides == []
    services.override_delete(actor=planner, override=done.overrides[0], reason="not this year",
                             expected_version=done.overrides[0].version)
    assert carryover.offer(cycle).overrides == []
    with pytest.raises(ApplicationError, match="Nothing to carry over from 2026-12"):
        carryover.carry_over(actor=planner, cycle=cycle)
    assert Override.objects.filter(cycle=cycle).count() == 3  # this cycle's own + the two carried


def test_only_editors_carry_and_only_while_the_consensus_can_change(setup, personas):
    cycle, _, _, _ = setup
    before = Override.objects.count()
    with pytest.raises(PermissionDeniedError):
        carryover.carry_over(actor=personas["supply_planner"], cycle=cycle)
    sign_through(cycle, personas, "demand_review")  # signed off: the consensus is frozen
    with pytest.raises(ConflictError):
        carryover.carry_over(actor=personas["sales"], cycle=cycle)
    assert Override.objects.count() == before


def test_a_cycle_with_no_earlier_consensus_says_so(cycle, personas):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 10})
    assert carryover.offer(cycle).prior is None
    with pytest.raises(ApplicationError, match="No cycle before 2027-01 has a consensus"):
        carryover.carry_over(actor=personas["demand_planner"], cycle=cycle)


def test_the_grid_offers_it_to_editors_and_the_button_carries(client, setup, personas):
    cycle, _, _, _ = setup
    client.force_login(personas["sales"])
    page = client.get(reverse("demand_grid", args=[cycle.pk]))
    assert b'id="carry-over"' in page.content and b"2 overrides of 2026-12" in page.content
    assert b"Spring promotion at ACME" in page.content
    response = client.post(reverse("demand_carry_over", args=[cycle.pk]), follow=True)
    assert b"Carried 2 overrides over from 2026-12 with 2 assumptions; 2 cells of the consensus changed." in response.content
    assert b'id="carry-over"' not in response.content
    again = client.post(reverse("demand_carry_over", args=[cycle.pk]), follow=True)
    assert b"Nothing to carry over" in again.content
    client.force_login(personas["supply_planner"])
    assert b'id="carry-over"' not in client.get(reverse("demand_grid", args=[cycle.pk])).content
    assert client.post(reverse("demand_carry_over", args=[cycle.pk])).status_code == 403


def test_the_api_shows_and_carries(client, setup, personas):
    cycle, _, _, _ = setup
    url = f"/api/v1/demand/cycles/{cycle.pk}/carry-over/"
    client.force_login(personas["integration"])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(personas["demand_planner"])
    offered = client.get(url).json()
    assert offered["from_cycle"] == "2026-12" and len(offered["overrides"]) == 2 and offered["skipped_cells"] == 1
    carried = client.post(url)
    assert carried.status_code == 201
    body = carried.json()
    assert {(o["family"], o["period"], o["quantity"]) for o in body["overrides"]} == {("KX", "2027-02", "130"),
                                                                                      ("AX", "2027-03", "60")}
    assert client.post(url).status_code == 400
    assert client.get(url).json()["overrides"] == []
