"""Admin for master data (read and fix by hand; the normal path is an import)."""
from django.contrib import admin

from catalog import models as m


class CodedAdmin(admin.ModelAdmin):
    search_fields = ("code", "name")
    list_display = ("code", "name")


@admin.register(m.ProductFamily)
class FamilyAdmin(CodedAdmin):
    list_display = ("code", "name", "group", "list_price", "material_cost", "active")
    list_filter = ("group", "active")


@admin.register(m.Sku)
class SkuAdmin(CodedAdmin):
    list_display = ("code", "name", "family", "active")
    list_filter = ("active",)
    list_select_related = ("family",)
    autocomplete_fields = ("family",)


@admin.register(m.Channel)
class ChannelAdmin(CodedAdmin):
    list_display = ("code", "name", "priority", "price_factor", "target_margin", "min_fill_rate", "backlog_cost", "lost_sale_cost")


@admin.register(m.Resource)
class ResourceAdmin(CodedAdmin):
    list_display = ("code", "name", "kind", "capacity_hours", "overtime_cost_per_hour")
    list_filter = ("kind",)


@admin.register(m.Component)
class ComponentAdmin(CodedAdmin):
    list_display = ("code", "name", "holding_cost", "standard_value")


class OptionPriceInline(admin.TabularInline):
    model = m.SupplyOptionPrice
    extra = 0


@admin.register(m.SupplyOption)
class SupplyOptionAdmin(admin.ModelAdmin):
    list_display = ("component", "code", "kind", "price", "lead_time", "capacity", "moq", "order_cost")
    list_filter = ("kind",)
    list_select_related = ("component",)
    search_fields = ("code", "component__code", "supplier")
    inlines = [OptionPriceInline]


@admin.register(m.Routing)
class RoutingAdmin(admin.ModelAdmin):
    list_display = ("family", "resource", "hours_per_unit")
    list_select_related = ("family", "resource")
    search_fields = ("family__code", "resource__code")


@admin.register(m.BomLine)
class BomAdmin(admin.ModelAdmin):
    list_display = ("family", "component", "quantity_per_unit")
    list_select_related = ("family", "component")
    search_fields = ("family__code", "component__code")


@admin.register(m.FamilyPrice)
class FamilyPriceAdmin(admin.ModelAdmin):
    list_display = ("family", "effective_from", "price")
    list_select_related = ("family",)


@admin.register(m.BudgetLine)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("family", "month", "units", "revenue", "margin", "inventory_value")
    list_filter = ("month",)
    list_select_related = ("family",)
