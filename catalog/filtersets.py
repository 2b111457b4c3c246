"""One FilterSet per catalog list, shared by the page (and its export) and the API."""
from __future__ import annotations

import django_filters
from django.db.models import Q

from catalog import models as m


class SearchFilterSet(django_filters.FilterSet):
    """`q` searches the list's search fields (case-insensitive contains)."""

    q = django_filters.CharFilter(method="search", label="Search")
    search_fields: tuple[str, ...] = ("code", "name")

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        query = Q()
        for f in self.search_fields:
            query |= Q(**{f"{f}__icontains": value})
        return queryset.filter(query)


class FamilyFilter(SearchFilterSet):
    group = django_filters.CharFilter(lookup_expr="iexact")
    active = django_filters.BooleanFilter()
    search_fields = ("code", "name", "group")

    class Meta:
        model = m.ProductFamily
        fields = ["q", "group", "active"]


class SkuFilter(SearchFilterSet):
    family = django_filters.CharFilter(field_name="family__code", label="Family code")
    no_family = django_filters.BooleanFilter(field_name="family", lookup_expr="isnull", label="Without family")
    active = django_filters.BooleanFilter()

    class Meta:
        model = m.Sku
        fields = ["q", "family", "no_family", "active"]


class ChannelFilter(SearchFilterSet):
    class Meta:
        model = m.Channel
        fields = ["q"]


class ResourceFilter(SearchFilterSet):
    kind = django_filters.ChoiceFilter(choices=m.ResourceKind.choices)

    class Meta:
        model = m.Resource
        fields = ["q", "kind"]


class RoutingFilter(SearchFilterSet):
    family = django_filters.CharFilter(field_name="family__code", label="Family code")
    resource = django_filters.CharFilter(field_name="resource__code", label="Resource code")
    search_fields = ("family__code", "resource__code")

    class Meta:
        model = m.Routing
        fields = ["q", "family", "resource"]


class ComponentFilter(SearchFilterSet):
    class Meta:
        model = m.Component
        fields = ["q"]


class SupplyOptionFilter(SearchFilterSet):
    component = django_filters.CharFilter(field_name="component__code", label="Component code")
    kind = django_filters.ChoiceFilter(choices=m.SupplyKind.choices)
    search_fields = ("code", "component__code", "supplier")

    class Meta:
        model = m.SupplyOption
        fields = ["q", "component", "kind"]


class OptionPriceFilter(SearchFilterSet):
    component = django_filters.CharFilter(field_name="option__component__code", label="Component code")
    search_fields = ("option__code", "option__component__code")

    class Meta:
        model = m.SupplyOptionPrice
        fields = ["q", "component"]


class FamilyPriceFilter(SearchFilterSet):
    family = django_filters.CharFilter(field_name="family__code", label="Family code")
    search_fields = ("family__code",)

    class Meta:
        model = m.FamilyPrice
        fields = ["q", "family"]


class BomFilter(SearchFilterSet):
    family = django_filters.CharFilter(field_name="family__code", label="Family code")
    component = django_filters.CharFilter(field_name="component__code", label="Component code")
    search_fields = ("family__code", "component__code")

    class Meta:
        model = m.BomLine
        fields = ["q", "family", "component"]


class BudgetFilter(SearchFilterSet):
    family = django_filters.CharFilter(field_name="family__code", label="Family code")
    year = django_filters.NumberFilter(field_name="month__year", label="Year")
    search_fields = ("family__code", "family__name")

    class Meta:
        model = m.BudgetLine
        fields = ["q", "family", "year"]
