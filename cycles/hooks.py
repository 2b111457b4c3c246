"""Extension points the apps that own a step's work register into (in AppConfig.ready).

cycles cannot import reviews/optimizer/decisions (they import cycles), so a step's own
rules reach the workflow through these explicit registries, called by cycles.services:

- sign guards: called before a signature of a step kind is recorded; raise ApplicationError
  to refuse (e.g. step 1 cannot be signed off while a blocking data-quality finding is open).
- signed-off callbacks: run inside the transaction when a step becomes signed off
  (e.g. freeze the consensus demand plan).
- reopened callbacks: run inside the transaction for every step a reopen puts back
  (e.g. unfreeze the consensus).
- panels: the URL name of the fragment that shows a step's work on its page.
- todo providers: extra "my tasks" rows for the dashboard.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

SignGuard = Callable[..., None]  # (*, step, actor, role) -> None or raise ApplicationError
StepCallback = Callable[..., None]  # (*, step, actor) -> None

_sign_guards: dict[str, list[SignGuard]] = defaultdict(list)
_signed_off: dict[str, list[StepCallback]] = defaultdict(list)
_reopened: dict[str, list[StepCallback]] = defaultdict(list)
_panels: dict[str, list[Panel]] = defaultdict(list)
_todo_providers: list[Callable] = []


@dataclass(frozen=True)
class Panel:
    title: str
    url_name: str  # reversed with kwargs {"cycle_id": ..., "kind": ...} or {"step_id": ...}
    kwarg: str = "step_id"


def _add(registry: list, fn) -> None:
    if fn not in registry:
        registry.append(fn)


def register_sign_guard(kind: str, fn: SignGuard) -> None:
    _add(_sign_guards[kind], fn)


def register_signed_off(kind: str, fn: StepCallback) -> None:
    _add(_signed_off[kind], fn)


def register_reopened(kind: str, fn: StepCallback) -> None:
    _add(_reopened[kind], fn)


def register_panel(kind: str, panel: Panel) -> None:
    _add(_panels[kind], panel)


def register_todo_provider(fn: Callable) -> None:
    """fn(user) -> list[dict(title, url, due, kind)]."""
    _add(_todo_providers, fn)


def sign_guards(kind: str) -> list[SignGuard]:
    return list(_sign_guards[kind])


def signed_off_callbacks(kind: str) -> list[StepCallback]:
    return list(_signed_off[kind])


def reopened_callbacks(kind: str) -> list[StepCallback]:
    return list(_reopened[kind])


def panels(kind: str) -> list[Panel]:
    return list(_panels[kind])


def todo_providers() -> list[Callable]:
    return list(_todo_providers)
