"""Progress moves during branch and cut (read from HiGHS's log: gap closed, tree explored, time
against the budget) and never goes back."""

from __future__ import annotations

import math

from bench.optimizer.generate import generate_size
from optimizer.engine import solve
from optimizer.engine.strategy import _Clock, _Progress, parse_mip_log_line

ROWS = """\
        Nodes      |    B&B Tree     |            Objective Bounds              |  Dynamic Constraints |       Work
Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters     Time
         0       0         0   0.00%   inf             -inf                 inf        0      0      0         0     0.2s
 R       0       0         0   0.00%   38269307.66416  38248975.83534     0.05%        0      0      0     22532     2.8s
         0       0         0   0.00%   38267508.64619  38248975.83534     0.05%     3079    301      0     24917     7.8s
 L       0       0         0   0.00%   38267424.13912  38264298.79791     0.01%     3147    269      0     25215    21.5s
         1       0         1 100.00%   38267424.13912  38264298.79791     0.01%     2840    269      0     34288    21.5s
"""


def test_branch_and_cut_log_rows_are_parsed():
    rows = [parse_mip_log_line(line) for line in ROWS.splitlines()]
    assert rows[0] is None and rows[1] is None
    explored, bound, best = rows[2]
    assert explored == 0 and math.isinf(bound) and math.isinf(best)
    assert rows[3] == (0.0, 38269307.66416, 38248975.83534)
    assert rows[6] == (1.0, 38267424.13912, 38264298.79791)
    assert parse_mip_log_line("Presolving model") is None
    assert parse_mip_log_line("Solving report") is None


def test_branch_and_cut_progress_follows_the_gap_closed_and_never_goes_back():
    seen = []
    report = _Progress(lambda phase, frac: seen.append((phase, frac)), _Clock(None))
    on_log = report.branch_and_cut(0.5, 0.9, budget=None, gap0=5.3e-4, target=1e-4)
    lines = ROWS.splitlines()
    on_log(lines[:4])  # gap 0.053%: nothing closed yet
    on_log(lines[4:5])  # bound improved: 0.048%
    on_log(lines[5:6])  # incumbent improved: 0.008% <= target
    on_log(lines[3:4])  # an old row again: progress stays
    fracs = [f for _, f in seen]
    assert fracs == sorted(fracs) and seen[0] == ("branch and cut", 0.5)
    assert len(fracs) == 3 and 0.5 < fracs[1] < 0.9 and fracs[-1] == 0.9


def test_a_mip_that_needs_branch_and_cut_reports_progress_inside_it():
    seen = []
    plan = solve(generate_size("S", mip=True), progress=lambda phase, frac: seen.append((phase, frac)))
    assert plan["status"] == "optimal"
    assert any(p["phase"].startswith("branch and cut") for p in plan["solver"]["phases"])
    bc = [f for phase, f in seen if phase == "branch and cut"]
    assert len(bc) >= 2 and bc[-1] > bc[0], seen
    fracs = [f for _, f in seen]
    assert fracs == sorted(fracs) and seen[-1] == ("done", 1.0)


def test_an_lp_phase_moves_with_the_time_used_against_the_limit():
    import time

    seen = []
    report = _Progress(lambda phase, frac: seen.append((phase, frac)), _Clock(1.0))
    on_log = report.timed("lp", 0.0, 0.9)
    time.sleep(0.2)
    on_log([])
    assert seen[0] == ("lp", 0.0) and 0.1 < seen[-1][1] < 0.9
