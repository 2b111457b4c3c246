from django.contrib import admin

from cycles.models import Cycle, Event, SignOff, Step


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow objects change only through the services (pages and API), never in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = ["label", "status", "executive_meeting_date", "horizon_months", "opened_by", "opened_at"]
    list_filter = ["status"]
    search_fields = ["label"]


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "position", "kind", "status", "due_date", "signed_off_at"]
    list_filter = ["kind", "status"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["step", "role", "user", "signed_at", "voided_at"]
    list_filter = ["role"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "verb", "object_repr", "cycle"]
    list_filter = ["verb"]
    search_fields = ["verb", "object_repr", "comment", "actor_label"]
