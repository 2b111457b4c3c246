"""Admin: read import batches, actuals and findings (writes go through the services)."""
from django.contrib import admin

from reviews import models as m


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ("id", "created_at", "kind", "cycle", "source", "filename", "actor_label", "status", "row_count", "error_count")
    list_filter = ("kind", "status", "source")
    list_select_related = ("cycle",)
    search_fields = ("filename", "file_hash", "idempotency_key", "actor_label")


@admin.register(m.Finding)
class FindingAdmin(ReadOnly):
    list_display = ("cycle", "severity", "check_code", "subject", "status", "waived_by")
    list_filter = ("severity", "status", "check_code")
    list_select_related = ("cycle", "waived_by")


for model in (m.Shipment, m.Booking, m.FinancialActual, m.InventoryActual, m.OpenOrder, m.CapacityActual, m.ComponentSupply):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnly,), {"list_display": ("id", "__str__", "batch_id"), "list_per_page": 100}))

from reviews.demand import admin as demand_admin  # noqa: E402,F401  (step 2's models)
