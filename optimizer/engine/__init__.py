"""The S&OP optimizer engine: pure Python, no Django.

Public API::

    from optimizer.engine import solve, validate, ProblemError, SolveCancelled

    plan = solve(problem_dict, time_limit=120, gap=1e-4, baseline=True,
                 progress=lambda phase, fraction: ..., should_stop=lambda: False)

See ``docs/problem-format.md`` for the documents and ``solve.solve`` for the
arguments.
"""

from .schema import ProblemError, validate
from .solve import solve
from .strategy import SolveCancelled

__all__ = ["ProblemError", "SolveCancelled", "solve", "validate"]
