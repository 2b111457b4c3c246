"""Admin: read the demand review's rows (every write goes through reviews.demand.services)."""
from django.contrib import admin

from reviews import models as m
from reviews.admin import ReadOnly


@admin.register(m.ForecastRun)
class ForecastRunAdmin(ReadOnly):
    list_display = ("id", "cycle", "status", "preset", "series_done", "series_total", "created_by", "created_at",
                    "finished_at")
    list_filter = ("status", "preset")
    list_select_related = ("cycle", "created_by")


@admin.register(m.Assumption)
class AssumptionAdmin(ReadOnly):
    list_display = ("id", "cycle", "category", "text", "owner", "outcome")
    list_filter = ("category", "outcome")
    list_select_related = ("cycle", "owner")
    search_fields = ("text",)


@admin.register(m.Override)
class OverrideAdmin(ReadOnly):
    list_display = ("id", "cycle", "family", "channel", "period", "kind", "value", "quantity", "assumption", "author",
                    "deleted_at")
    list_filter = ("kind",)
    list_select_related = ("cycle", "family", "channel", "assumption", "author")


@admin.register(m.DemandPlan)
class DemandPlanAdmin(ReadOnly):
    list_display = ("cycle", "baseline_run", "revision", "frozen_at", "frozen_by")
    list_select_related = ("cycle", "baseline_run", "frozen_by")


for model in (m.ConsensusCell, m.BaselineForecast, m.SeriesDiagnostic, m.SafetyStockSuggestion, m.DemandUpload):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnly,), {"list_display": ("id", "__str__"),
                                                                             "list_per_page": 100}))
