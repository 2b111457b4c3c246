"""Data-quality checks of step 1 (filled in below)."""
from __future__ import annotations


def checks_after_import(*, batch) -> None:
    return None
