"""Access helpers for page views: who may see a page, refused with 403 (never a crash)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def page(perm: str = "sop.use_pages", obj_getter: Callable | None = None):
    """Decorate a page view: login required, then `perm` (a rules permission) or 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.has_perm("sop.use_pages"):
                raise PermissionDenied("Your account has no S&OP role that uses these pages.")
            if perm != "sop.use_pages":
                obj = obj_getter(request, *args, **kwargs) if obj_getter else None
                if not request.user.has_perm(perm, obj):
                    raise PermissionDenied("Your role may not do this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
