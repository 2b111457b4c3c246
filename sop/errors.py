"""One error family for every refusal a service makes.

Services raise these; the API renders them as 4xx with ``{"message", "extra"}`` and pages
show the message in place (a form error or an htmx error partial).
"""
from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule refused the request. ``message`` is for the user; ``extra`` names details."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class PermissionDeniedError(ApplicationError):
    status_code = 403


class NotFoundError(ApplicationError):
    status_code = 404


class ConflictError(ApplicationError):
    """The object changed under the caller (stale version) or the state does not allow the move."""

    status_code = 409


class PreconditionFailedError(ApplicationError):
    """An If-Match version that is no longer current (412)."""

    status_code = 412


class PreconditionRequiredError(ApplicationError):
    """A write of shared numbers without an If-Match version (428)."""

    status_code = 428
