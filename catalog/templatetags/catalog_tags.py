from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def num(value):
    """A Decimal without its trailing zeros (7800.0000 -> 7800, 0.4250 -> 0.425)."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return value
