"""Accuracy and FVA on a hand-computed fixture.

Three earlier cycles (2026-10, -11, -12) each made a baseline of KX/DIR (100, 110, 120 a month);
sales raised 2026-10 by 20 % in the first, the demand planner set 2026-11 to 90 in the second.
Actual shipments: Aug 90, Sep 100, Oct 115, Nov 100, Dec 130.

Lag 1 (each month forecast by its own cycle):
  Oct: actual 115, naive 100 (Sep), statistical 100, consensus 120
  Nov: actual 100, naive 115 (Oct), statistical 110, consensus 90
  Dec: actual 130, naive 100 (Nov), statistical 120, consensus 120
  WAPE naive 60/345, statistical 35/345, consensus 25/345; FVA stat 25/345, overrides 10/345;
  sales' overrides alone: 25/345 -> FVA 10/345; the demand planner's: 35/345 -> FVA 0.
Lag 3 (Dec forecast by the 2026-10 cycle): actual 130, naive 100 (Sep), stat 100, consensus 100.
"""
import pytest

from cycles import services as cycle_services
from reviews.demand import accuracy, services
from reviews.demand.services import Target
from tests.cycles.helpers import sign_through
from tests.reviews.demand_helpers import catalog, d, history, install_baseline

pytestmark = pytest.mark.django_db


def approx(x):
    return pytest.approx(x, abs=1e-4)


@pytest.fixture
def fixture(cycle, personas):
    fams, chans = catalog()
    kx, direct = fams["KX"], chans["DIR"]
    history(kx, direct, "2026-08", [90, 100, 115, 100, 130])
    made = {}
    for label, base in (("2026-10", 100), ("2026-11", 110), ("2026-12", 120)):
        c = cycle_services.cycle_open(actor=personas["process_owner"], label=label)
        sign_through(c, personas, "data_gathering")
        install_baseline(c, {(kx, direct): base})
        made[label] = c
    cell = Target(period=d("2026-10"), family_ids=(kx.pk,), channel_ids=(direct.pk,))
    services.consensus_edit(actor=personas["sales"], cycle=made["2026-10"], targets=[cell], kind="percent", value=20,
                            new_assumption={"category": "promotion", "text": "Autumn promotion at ACME"},
                            require_seen=False)
    cell = Target(period=d("2026-11"), family_ids=(kx.pk,), channel_ids=(direct.pk,))
    services.consensus_edit(actor=personas["demand_planner"], cycle=made["2026-11"], targets=[cell], kind="absolute",
                            value=90, new_assumption={"category": "market", "text": "Inventory correction in the channel"},
                            require_seen=False)
    return cycle, made


def test_wape_bias_and_fva_by_lag(fixture):
    cycle, _ = fixture
    report = accuracy.accuracy_summary(cycle)
    assert report["months"] == ["2026-10", "2026-11", "2026-12"]
    lag1, lag3 = report["overall"]
    assert (lag1["lag"], lag1["n"], lag1["actual"]) == (1, 3, 345)
    assert lag1["naive"]["wape"] == approx(60 / 345)
    assert lag1["statistical"]["wape"] == approx(35 / 345)
    assert lag1["consensus"]["wape"] == approx(25 / 345)
    assert lag1["statistical"]["bias"] == approx(-15 / 345)
    assert lag1["naive"]["bias"] == approx(-30 / 345)
    assert lag1["fva_statistical"] == approx(25 / 345)
    assert lag1["fva_overrides"] == approx(10 / 345)
    assert (lag3["lag"], lag3["n"], lag3["actual"]) == (3, 1, 130)
    assert lag3["naive"]["wape"] == approx(30 / 130)
    assert lag3["statistical"]["wape"] == approx(30 / 130)
    assert lag3["fva_overrides"] == approx(0)


def test_fva_per_contributor(fixture):
    cycle, _ = fixture
    report = accuracy.accuracy_summary(cycle)
    lag1 = {r["author"]: r for r in report["contributors"] if r["lag"] == 1}
    assert lag1["sales"]["fva"] == approx(10 / 345) and lag1["sales"]["units"] == 20 and lag1["sales"]["cells"] == 1
    assert lag1["demand"]["fva"] == approx(0) and lag1["demand"]["units"] == -20


def test_by_family_and_channel_use_codes(fixture):
    cycle, _ = fixture
    report = accuracy.accuracy_summary(cycle)
    assert {(r["family"], r["lag"]) for r in report["by_family"]} == {("KX", 1), ("KX", 3)}
    assert {(r["channel"], r["lag"]) for r in report["by_channel"]} == {("DIR", 1), ("DIR", 3)}
    series = [r for r in report["by_series"] if r["lag"] == 1][0]
    assert series["consensus"]["wape"] == approx(25 / 345)


def test_assumptions_are_scored_on_the_months_they_touched(fixture):
    from reviews.models import Assumption

    scores = accuracy.assumption_accuracy(Assumption.objects.all())
    promo = Assumption.objects.get(text__startswith="Autumn")
    # Oct: actual 115, baseline 100 (error 15), with the +20 % override 120 (error 5).
    assert scores[promo.pk]["wape_statistical"] == approx(15 / 115)
    assert scores[promo.pk]["wape_with_override"] == approx(5 / 115)
    assert scores[promo.pk]["fva"] == approx(10 / 115)
    correction = Assumption.objects.get(text__startswith="Inventory")
    assert scores[correction.pk]["fva"] == approx(0)  # |100-110| = |100-90|


def test_no_forecasts_stored_yet_gives_an_empty_report(cycle):
    report = accuracy.accuracy_summary(cycle)
    assert report["overall"] == [] and report["contributors"] == []
