"""Admin: size rules are edited here; changes and revisions are read-only records."""

from django.contrib import admin

from planning.models import GridRevision, PlanChange, SizeRule


@admin.register(SizeRule)
class SizeRuleAdmin(admin.ModelAdmin):
    list_display = ("division", "min_households", "max_households", "min_residents", "max_residents")
    search_fields = ("division__code", "division__name")
    autocomplete_fields = ("division",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlanChange)
class PlanChangeAdmin(ReadOnly):
    list_display = ("at", "op", "parent_code", "user", "reason")
    list_filter = ("op",)
    search_fields = ("parent_code", "reason")


@admin.register(GridRevision)
class GridRevisionAdmin(ReadOnly):
    list_display = ("code", "revision", "action", "name", "user", "at", "change")
    list_filter = ("action",)
    search_fields = ("code", "name")
    exclude = ("boundary",)
