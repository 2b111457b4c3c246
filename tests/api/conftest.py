from tests.optimizer.conftest import scenario, submit  # noqa: F401  (shared solve fixtures)
