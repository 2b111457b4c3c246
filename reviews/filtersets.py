"""One FilterSet per list, shared by the pages and the API."""
import django_filters

from reviews.imports.kinds import KINDS
from reviews.models import Finding, FindingStatus, ImportBatch, ImportStatus, Severity


class ImportBatchFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=[(k, v.label) for k, v in KINDS.items()])
    cycle = django_filters.CharFilter(field_name="cycle__label", label="Cycle (YYYY-MM)")
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices)
    source = django_filters.CharFilter()

    class Meta:
        model = ImportBatch
        fields = ["kind", "cycle", "status", "source"]


class FindingFilter(django_filters.FilterSet):
    cycle = django_filters.CharFilter(field_name="cycle__label", label="Cycle (YYYY-MM)")
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices)
    check_code = django_filters.CharFilter()

    class Meta:
        model = Finding
        fields = ["cycle", "severity", "status", "check_code"]
