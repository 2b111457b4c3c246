"""Two planners edit the same cell: the later save gets a conflict with the current value."""
import json

import pytest

from reviews.demand import services
from reviews.demand.services import Target
from reviews.models import ConsensusCell, Override
from sop.errors import ConflictError, PreconditionRequiredError
from tests.reviews.demand_helpers import catalog, d, install_baseline, open_demand_review

pytestmark = pytest.mark.django_db
NEW = {"category": "market", "text": "Distributor restocking after inventory correction"}


@pytest.fixture
def setup(cycle, personas):
    fams, chans = catalog()
    open_demand_review(cycle, personas)
    install_baseline(cycle, {(fams["KX"], chans["DIR"]): 100, (fams["KX"], chans["DIS"]): 50})
    return cycle, fams, chans


def version(cycle, fam, chan, period):
    return ConsensusCell.objects.get(cycle=cycle, family=fam, channel=chan, period=d(period)).version


def test_the_later_of_two_edits_of_one_cell_is_refused_with_the_current_value(setup, demand, sales):
    cycle, fams, chans = setup
    seen = version(cycle, fams["KX"], chans["DIR"], "2027-02")  # both planners loaded the grid
    cell = Target(period=d("2027-02"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,), seen=seen,
                  label="KX · DIR")
    services.consensus_edit(actor=sales, cycle=cycle, targets=[cell], kind="absolute", value=140, new_assumption=NEW)
    with pytest.raises(ConflictError) as exc:
        services.consensus_edit(actor=demand, cycle=cycle, targets=[cell], kind="absolute", value=90,
                                new_assumption={**NEW, "text": "Design-out at a key account"})
    assert "it is now 140" in exc.value.message
    assert exc.value.extra["conflicts"][0]["quantity"] == "140"
    assert ConsensusCell.objects.get(cycle=cycle, family=fams["KX"], channel=chans["DIR"], period=d("2027-02")
                                     ).quantity == 140
    assert Override.objects.count() == 1


def test_an_aggregate_edit_conflicts_when_any_of_its_leaves_moved(setup, demand, sales):
    cycle, fams, chans = setup
    seen = max(version(cycle, fams["KX"], c, "2027-02") for c in (chans["DIR"], chans["DIS"]))
    leaf = Target(period=d("2027-02"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIS"].pk,), seen=seen)
    services.consensus_edit(actor=sales, cycle=cycle, targets=[leaf], kind="percent", value=10, new_assumption=NEW)
    family = Target(period=d("2027-02"), family_ids=(fams["KX"].pk,), channel_ids=None, seen=seen, label="KX")
    with pytest.raises(ConflictError, match="now 155"):
        services.consensus_edit(actor=demand, cycle=cycle, targets=[family], kind="absolute", value=200,
                                new_assumption=NEW)


def test_other_cells_are_not_in_conflict(setup, demand, sales):
    cycle, fams, chans = setup
    a = Target(period=d("2027-02"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,),
               seen=version(cycle, fams["KX"], chans["DIR"], "2027-02"))
    b = Target(period=d("2027-03"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,),
               seen=version(cycle, fams["KX"], chans["DIR"], "2027-03"))
    services.consensus_edit(actor=sales, cycle=cycle, targets=[a], kind="absolute", value=1, new_assumption=NEW)
    services.consensus_edit(actor=demand, cycle=cycle, targets=[b], kind="absolute", value=2, new_assumption=NEW)


def test_a_grid_edit_must_say_which_version_it_changes(setup, demand):
    cycle, fams, chans = setup
    cell = Target(period=d("2027-02"), family_ids=(fams["KX"].pk,), channel_ids=(chans["DIR"].pk,))
    with pytest.raises(PreconditionRequiredError):
        services.consensus_edit(actor=demand, cycle=cycle, targets=[cell], kind="absolute", value=1, new_assumption=NEW)


def test_the_grid_endpoint_answers_409_with_the_current_rows(setup, demand, sales, client):
    cycle, fams, chans = setup
    seen = version(cycle, fams["KX"], chans["DIR"], "2027-02")
    body = {"view": {"channel": "DIR"}, "kind": "absolute", "value": "140", "new_assumption": NEW,
            "cells": [{"level": "family", "key": fams["KX"].pk, "period": "2027-02", "seen": seen}]}
    client.force_login(sales)
    first = client.post(f"/demand/{cycle.pk}/edit/", json.dumps(body), content_type="application/json")
    assert first.status_code == 200, first.content
    row = next(r for r in first.json()["grid"]["rows"] if r["id"] == f"f:{fams['KX'].pk}:consensus")
    assert row["m202702"] == 140 and row["v202702"] > seen
    client.force_login(demand)
    second = client.post(f"/demand/{cycle.pk}/edit/", json.dumps({**body, "value": "90"}),
                         content_type="application/json")
    assert second.status_code == 409
    data = second.json()
    assert "now 140" in data["message"]
    row = next(r for r in data["grid"]["rows"] if r["id"] == f"f:{fams['KX'].pk}:consensus")
    assert row["m202702"] == 140
