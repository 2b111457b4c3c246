"""The demo's demand review: earlier cycles with a consensus, the demo cycle's baseline and
overrides with assumptions, something to show in accuracy and "what changed"; idempotent."""
import io

import pytest
from django.core.management import call_command

from cycles.models import Cycle, Event
from reviews.demand import accuracy, changes, selectors
from reviews.models import Assumption, ConsensusCell, Override

pytestmark = pytest.mark.django_db


def test_the_demo_cycle_has_a_plan_with_assumptions_and_history_to_compare():
    call_command("seed_demo", stdout=io.StringIO())
    cycle = Cycle.objects.filter(status="open").order_by("-start_month").first()
    assert selectors.plan(cycle).baseline_run.status == "done"
    texts = set(Assumption.objects.filter(cycle=cycle).values_list("text", flat=True))
    assert any(t.startswith("ACME design win") for t in texts) and "E-commerce promotion in Q4" in texts
    assert Override.objects.filter(cycle=cycle, deleted_at__isnull=True).exists()
    prior = selectors.prior_cycle(cycle)
    assert prior is not None and prior.status == "closed" and selectors.plan(prior).is_frozen
    assert accuracy.accuracy_summary(cycle)["overall"]
    assert changes.what_changed(cycle)["families"]
    assert Assumption.objects.exclude(outcome="unreviewed").exists()
    assert len(selectors.consensus_demand(cycle)) == ConsensusCell.objects.filter(cycle=cycle).count() > 0

    counts = (Event.objects.count(), Override.objects.count(), Cycle.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Event.objects.count(), Override.objects.count(), Cycle.objects.count()) == counts
