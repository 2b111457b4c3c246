import pytest

from optimizer import services
from tests.optimizer.helpers import tiny


@pytest.fixture
def submit(supply):
    """submit(problem=None, actor=supply, **options) -> a queued run (the job is not sent)."""

    def _submit(problem=None, actor=None, **kw):
        return services.solve_submit(actor=actor or supply, problem=problem or tiny(), **kw)

    return _submit


@pytest.fixture
def scenario(supply, cycle):
    return services.scenario_create(actor=supply, cycle=cycle, name="Base plan", base_problem=tiny())
