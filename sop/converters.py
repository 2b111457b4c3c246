"""URL and filter pieces for row ids.

A huge number in a URL or a filter would overflow the database's 64-bit integer (SQLite raises
OverflowError, PostgreSQL a DataError): both would be a 500. Ids are bounded to 18 digits in URLs
(no match: 404) and to the bigint range in filters (out of range: 400).
"""
from __future__ import annotations

import django_filters
from django import forms
from rest_framework.routers import DefaultRouter

ID_REGEX = "[0-9]{1,18}"


class IdConverter:
    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the database's range (a huge or fractional one is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class Router(DefaultRouter):
    """DRF router whose detail routes take only id-shaped lookups (others are 404)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("trailing_slash", True)
        super().__init__(*args, **kwargs)
        self.include_root_view = False

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_value_regex", None) is None and getattr(viewset, "lookup_field", "pk") in ("pk", "id"):
            viewset.lookup_value_regex = ID_REGEX
        return super().get_lookup_regex(viewset, lookup_prefix)
