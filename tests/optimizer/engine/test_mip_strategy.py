"""The MIP strategy on the benchmark's MOQ structure: orders planned per component at the
relaxation's production, then branch and cut only to prove the bound when needed."""

from __future__ import annotations

import numpy as np
import pytest

from bench.optimizer.generate import generate_size
from optimizer.engine import solve
from optimizer.engine.backend import solve_lp
from optimizer.engine.heuristics import procurement_orders, take
from optimizer.engine.model import build
from optimizer.engine.normalize import normalize
from optimizer.engine.schema import validate
from optimizer.engine.strategy import _fixed_bounds, rel_gap


@pytest.fixture(scope="module")
def small_mip():
    doc = generate_size("S", mip=True)
    model = build(normalize(doc, validate(doc)))
    relax = solve_lp(model.lp, "simplex", relax=True)
    return model, relax


def test_orders_planned_per_component_respect_moq_and_come_within_0_02_percent(small_mip):
    model, relax = small_mip
    d = model.d
    y = procurement_orders(model, relax.x)
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert np.all(y[model.v["Y"] < 0] == 0)
    a = model.lp.arrays()
    lb, ub = _fixed_bounds(model, a["lb"], a["ub"], y, None)
    fixed = solve_lp(model.lp, "simplex", lb=lb, ub=ub, relax=True)
    assert fixed.status == "optimal"
    q = take(model.v["Q"], fixed.x)
    placed = y > 0.5
    # an order placed is at least its MOQ; none is placed where the binary is 0
    assert np.all(q[placed] >= np.broadcast_to(d.so_moq[:, None], q.shape)[placed] - 1e-6)
    assert np.all(q[(model.v["Y"] >= 0) & ~placed] <= 1e-6)
    assert rel_gap(relax.primal_bound, fixed.primal_bound) < 2e-4


@pytest.mark.parametrize("seed", [0, 1])
def test_the_benchmark_mip_is_solved_to_the_default_gap(seed):
    plan = solve(generate_size("S", seed=seed, mip=True))
    solver = plan["solver"]
    assert plan["status"] == "optimal" and solver["gap"] <= 1e-4
    assert solver["bound"] >= plan["objective"]["profit"]
    names = [p["phase"] for p in solver["phases"]]
    assert names[0] == "relaxation" and names[1].startswith("heuristic: order binaries")
    # branch and cut only proved the bound: it found nothing better than the heuristic
    assert "branch and cut incumbent" not in " ".join(names)
    assert "orders planned per component" in solver["algorithm"]


def test_the_compact_and_the_strong_per_component_forms_have_the_same_optimum():
    from optimizer.engine.heuristics import _component_mip, _component_mip_strong
    from tests.optimizer.reference.randomdocs import random_document

    checked = 0
    for seed in range(3000, 3060):
        doc = random_document(seed, mip=True)
        model = build(normalize(doc, validate(doc)))
        if not (model.v["Y"] >= 0).any():
            continue
        relax = solve_lp(model.lp, "simplex", relax=True)
        use = model.d.bom.T @ np.maximum(take(model.v["P"], relax.x), 0.0)
        for k in np.unique(model.d.so_comp[(model.v["Y"] >= 0).any(axis=1)]):
            compact = solve_lp(_component_mip(model, int(k), use[k])[0], "mip", gap=1e-9)
            strong = solve_lp(_component_mip_strong(model, int(k), use[k])[0], "mip", gap=1e-9)
            assert compact.status == strong.status == "optimal"
            assert strong.primal_bound == pytest.approx(compact.primal_bound, rel=1e-7, abs=1e-6)
            checked += 1
    assert checked >= 20
