"""FilterSets shared by the demand pages and the API."""
from __future__ import annotations

import django_filters
from django.db.models import Q

from reviews.demand import months
from reviews.models import (
    Assumption,
    AssumptionCategory,
    AssumptionOutcome,
    BaselineForecast,
    ConsensusCell,
    ForecastRun,
    Override,
    OverrideKind,
    RunStatus,
)
from sop.converters import IdFilter


class MonthFilter(django_filters.CharFilter):
    """A month as YYYY-MM (matched against the row's first-of-month date)."""

    def filter(self, qs, value):
        if not value:
            return qs
        try:
            return qs.filter(**{self.field_name: months.month(value)})
        except (ValueError, IndexError):
            return qs.none()


class AssumptionFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    category = django_filters.ChoiceFilter(choices=AssumptionCategory.choices, empty_label="All")
    outcome = django_filters.ChoiceFilter(choices=AssumptionOutcome.choices, empty_label="All")
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    family = django_filters.CharFilter(method="filter_family", label="Touches family (code)")
    q = django_filters.CharFilter(method="filter_text", label="Text contains")

    class Meta:
        model = Assumption
        fields = ["cycle", "category", "outcome", "owner", "family", "q"]

    def filter_family(self, qs, name, value):
        return qs.filter(overrides__family__code=value, overrides__deleted_at__isnull=True).distinct() if value else qs

    def filter_text(self, qs, name, value):
        return qs.filter(Q(text__icontains=value)) if value else qs


class OverrideFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    family = django_filters.CharFilter(field_name="family__code")
    channel = django_filters.CharFilter(field_name="channel__code")
    period = MonthFilter(field_name="period")
    kind = django_filters.ChoiceFilter(choices=OverrideKind.choices)
    author = django_filters.CharFilter(field_name="author__username")
    assumption = IdFilter(field_name="assumption_id")
    deleted = django_filters.BooleanFilter(field_name="deleted_at", lookup_expr="isnull", exclude=True,
                                           label="Removed")

    class Meta:
        model = Override
        fields = ["cycle", "family", "channel", "period", "kind", "author", "assumption", "deleted"]


class BaselineFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    family = django_filters.CharFilter(field_name="family__code")
    channel = django_filters.CharFilter(field_name="channel__code")
    period = MonthFilter(field_name="period")

    class Meta:
        model = BaselineForecast
        fields = ["cycle", "family", "channel", "period"]


class ConsensusFilter(django_filters.FilterSet):
    family = django_filters.CharFilter(field_name="family__code")
    channel = django_filters.CharFilter(field_name="channel__code")
    period = MonthFilter(field_name="period")

    class Meta:
        model = ConsensusCell
        fields = ["family", "channel", "period"]


class RunFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = ForecastRun
        fields = ["cycle", "status"]
