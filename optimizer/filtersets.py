"""One FilterSet per list, shared by the pages and the API."""
import django_filters

from optimizer.choices import RunStatus
from optimizer.models import Scenario, SolveRun
from sop.converters import IdFilter


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
