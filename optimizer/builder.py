"""Builds the problem document from the catalog and the cycle's data (placeholder until the
catalog models are merged)."""
from __future__ import annotations

from sop.errors import ApplicationError


def build_problem(*, cycle):
    raise ApplicationError(
        "The catalog is not loaded yet, so no problem document can be built for this cycle; "
        "upload a base problem document to the scenario."
    )
