"""Number formats and small lookups for the plan pages."""
from __future__ import annotations

from django import template

from optimizer.forms import FIELD_TYPES

register = template.Library()

STATUS_CLASSES = {
    "queued": "text-bg-secondary", "running": "text-bg-primary", "succeeded": "text-bg-success",
    "failed": "text-bg-danger", "cancelled": "text-bg-warning",
}


def _f(value):
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


@register.filter
def money(value, decimals: int = 0) -> str:
    """12,345 (no decimals by default); an em dash for nothing."""
    v = _f(value)
    return "—" if v is None else f"{v:,.{int(decimals)}f}"


@register.filter
def signed(value, decimals: int = 0) -> str:
    v = _f(value)
    if v is None:
        return "—"
    if abs(v) < 0.5 * 10 ** -int(decimals):
        return f"{0:,.{int(decimals)}f}"
    return f"{v:+,.{int(decimals)}f}"


@register.filter
def num(value, decimals: int = 1) -> str:
    v = _f(value)
    return "—" if v is None else f"{v:,.{int(decimals)}f}"


@register.filter
def pct(value, decimals: int = 1) -> str:
    v = _f(value)
    return "—" if v is None else f"{v * 100:.{int(decimals)}f}%"


@register.filter
def get(mapping, key):
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def lever_types(field_name: str) -> str:
    return " ".join(FIELD_TYPES.get(field_name, ()))


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def heat(utilization) -> str:
    """A background for a utilization cell: white (idle) to amber (full) to red (overtime)."""
    u = _f(utilization)
    if u is None:
        return ""
    if u <= 1.0005:  # solver noise on a full resource is still "full", not overtime
        alpha = max(0.05, min(1.0, u)) * 0.55
        return f"background-color: rgba(242, 169, 0, {alpha:.2f})"
    return f"background-color: rgba(192, 57, 43, {min(0.8, 0.35 + (u - 1.0) * 2):.2f}); color: #fff"


@register.filter
def ago(when) -> str:
    """'4 s ago', '3 min ago' (the heartbeat is a matter of seconds)."""
    from django.utils import timezone

    if not when:
        return "—"
    seconds = max(0, int((timezone.now() - when).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


DATALISTS = {"resource": "resources", "takes_over_from": "resources", "component": "components",
             "option": "options", "families": "families", "channels": "channels"}


@register.filter
def datalist(field_name: str) -> str:
    """The datalist of codes a lever field offers ('' for none)."""
    return DATALISTS.get(field_name, "")
