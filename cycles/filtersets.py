"""One FilterSet per list, shared by the page and the API."""
import django_filters

from cycles.choices import CycleStatus, StepKind, StepStatus
from cycles.models import Cycle, Event, SignOff, Step
from sop.converters import IdFilter


class CycleFilter(django_filters.FilterSet):
    label = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=CycleStatus.choices)

    class Meta:
        model = Cycle
        fields = ["label", "status"]


class StepFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    kind = django_filters.ChoiceFilter(choices=StepKind.choices)
    status = django_filters.ChoiceFilter(choices=StepStatus.choices)

    class Meta:
        model = Step
        fields = ["cycle", "kind", "status"]


class SignOffFilter(django_filters.FilterSet):
    step = IdFilter(field_name="step_id")
    cycle = IdFilter(field_name="step__cycle_id")
    role = django_filters.CharFilter()
    live = django_filters.BooleanFilter(field_name="voided_at", lookup_expr="isnull", label="Live (not voided)")

    class Meta:
        model = SignOff
        fields = ["step", "cycle", "role", "live"]


class EventFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    step = IdFilter(field_name="step_id")
    verb = django_filters.CharFilter(lookup_expr="startswith", label="Verb starts with")
    actor = django_filters.CharFilter(field_name="actor_label", label="Actor (username)")
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["cycle", "step", "verb", "actor", "object_type", "object_id", "since", "until"]
