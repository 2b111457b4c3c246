"""One FilterSet per list, shared by the pages and the API."""
import django_filters
from django import forms

from optimizer.choices import RunStatus
from optimizer.models import Scenario, SolveRun


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the database's range (a huge or fractional one is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class SolveRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    cycle = IdFilter(field_name="cycle_id")
    scenario = IdFilter(field_name="scenario_id")
    adhoc = django_filters.BooleanFilter(field_name="scenario", lookup_expr="isnull", label="Ad-hoc (no scenario)")
    problem_sha256 = django_filters.CharFilter()

    class Meta:
        model = SolveRun
        fields = ["status", "cycle", "scenario", "adhoc", "problem_sha256"]


class ScenarioFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Scenario
        fields = ["cycle", "name"]
