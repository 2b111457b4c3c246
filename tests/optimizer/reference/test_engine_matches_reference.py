"""The engine against an independent model of the contract on random documents.

tests/optimizer/reference/model.py restates problem-format.md one variable at a time (pywraplp,
GLOP/SCIP), sharing nothing with optimizer/engine/. LP profits must agree to 1e-6 relative;
MIP profits within the engine's gap.
"""
import pytest

from optimizer.engine import solve
from tests.optimizer.reference.model import solve_reference
from tests.optimizer.reference.randomdocs import random_document


@pytest.mark.parametrize("seed", range(40))
def test_lp_profit_is_the_true_optimum(seed):
    doc = random_document(seed)
    ref = solve_reference(doc)
    assert ref["status"] == "optimal" and not ref["mip"]
    plan = solve(doc)
    assert plan["status"] in ("optimal", "infeasible_relaxed")
    assert plan["objective"]["profit"] == pytest.approx(ref["profit"], rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("seed", range(1000, 1015))
def test_mip_profit_is_within_the_gap(seed):
    doc = random_document(seed, mip=True)
    ref = solve_reference(doc)
    assert ref["status"] == "optimal"
    plan = solve(doc, gap=1e-6)
    assert plan["objective"]["profit"] == pytest.approx(ref["profit"], rel=1e-4, abs=1e-4)
    assert plan["objective"]["profit"] <= ref["profit"] + 1e-6 * max(1.0, abs(ref["profit"]))


@pytest.mark.parametrize("seed", range(2000, 2080))
def test_mip_at_the_default_gap_is_within_it_and_reports_an_honest_bound(seed):
    doc = random_document(seed, mip=True)
    ref = solve_reference(doc)
    assert ref["status"] == "optimal"
    plan = solve(doc)
    profit, best = plan["objective"]["profit"], ref["profit"]
    tol = 1e-6 * max(1.0, abs(best))
    assert profit <= best + tol
    solver = plan["solver"]
    assert solver["bound"] >= best - tol  # the bound is a true upper bound on profit
    assert (best - profit) / max(1.0, abs(profit)) <= solver["gap"] + 1e-9  # the gap reported is honest
    if plan["status"] == "optimal":
        assert solver["gap"] <= 1e-4
