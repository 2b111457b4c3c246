from django import template

from sop.roles import role_label

register = template.Library()


@register.filter
def rolename(value: str) -> str:
    return role_label(value)


STATE_LABELS = {"done": "Done", "open": "Open", "late": "Late", "pending": "Not yet open"}


@register.filter
def statelabel(value: str) -> str:
    return STATE_LABELS.get(value, value)
