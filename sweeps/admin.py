from django.contrib import admin

from sweeps.models import ChecklistItem, RoundItem, SweepRound


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("level", "position", "label", "category", "active")
    list_filter = ("level", "active")
    list_editable = ("label", "category", "active")


class RoundItemInline(admin.TabularInline):
    model = RoundItem
    extra = 0
    fields = ("position", "label", "category", "result", "note", "building_code", "incident")
    readonly_fields = fields


@admin.register(SweepRound)
class SweepRoundAdmin(admin.ModelAdmin):
    list_display = ("division", "level", "period_start", "due", "status", "submitted_at")
    list_filter = ("level", "status")
    search_fields = ("division__code", "division__name")
    readonly_fields = ("division", "level", "period_start", "period_end", "submitted_at", "submitted_by")
    inlines = [RoundItemInline]
