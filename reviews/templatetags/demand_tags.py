from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """A fraction as a percentage (0.123 -> '12.3 %'); None -> 'n/a'."""
    if value is None or value == "":
        return "n/a"
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def pts(value) -> str:
    """FVA in WAPE points, signed (0.052 -> '+5.2 pts')."""
    if value is None or value == "":
        return "n/a"
    return f"{float(value) * 100:+.1f} pts"


@register.filter
def signed(value) -> str:
    """A signed whole number with thousands separators (+1,200 / -35 / 0)."""
    if value is None or value == "":
        return ""
    n = round(float(Decimal(str(value))))
    return f"{n:+,}" if n else "0"


@register.filter
def units(value) -> str:
    if value is None or value == "":
        return ""
    return f"{round(float(Decimal(str(value)))):,}"


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def sign_class(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "pos" if v > 0 else "neg" if v < 0 else ""


@register.filter
def fva_class(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "fva-good" if v > 0 else "fva-bad" if v < 0 else ""


@register.filter
def change(override) -> str:
    """How an override changes its cell: '+15 %' or 'set to 1,200'."""
    if override.kind == "percent":
        v = float(override.value)
        return f"{v:+g} %"
    return f"set to {round(float(override.value)):,}"
