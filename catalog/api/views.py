"""Catalog API: every list in its import format (so an ERP can read back what it sent),
filtered with the page's FilterSet. Read-only: master data changes through /api/v1/imports/."""
from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from catalog import selectors
from catalog.tables import TABLES


class HasRole(BasePermission):
    message = "Your account has no S&OP role."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("sop.use_api"))


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


class CatalogList(generics.GenericAPIView):
    """Rows of one catalog list ({slug}: families, skus, channels, resources, routings, components,
    supply-options, option-prices, family-prices, bom, budget), paginated, with the list's filters."""

    permission_classes = [HasRole]

    def get_table(self):
        try:
            return TABLES[self.kwargs["slug"]]
        except KeyError:
            raise Http404 from None

    @property
    def filterset_class(self):
        return self.get_table().filterset

    def get_queryset(self):
        table = self.get_table()
        return selectors.table_queryset(table.model, table.select).order_by(*table.model._meta.ordering or ["pk"])

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request, slug: str):
        table = self.get_table()
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        rows = [{name: _json(get(obj)) for name, get in table.columns} for obj in page]
        return self.get_paginated_response(rows) if page is not None else Response(rows)
