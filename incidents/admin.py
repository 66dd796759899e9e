"""Admin: the calendar's local exceptions (editable) and the transition log (read only)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from incidents.models import CalendarDay, IncidentTransition


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "working", "name")
    list_filter = ("working",)
    date_hierarchy = "date"


@admin.register(IncidentTransition)
class IncidentTransitionAdmin(admin.ModelAdmin):
    """The log is written by the workflow only; it names people and places, so superusers only."""

    def has_view_permission(self, request: HttpRequest, obj: IncidentTransition | None = None) -> bool:
        return request.user.is_superuser

    list_display = ("incident", "action", "from_status", "to_status", "user", "at")
    list_filter = ("action", "to_status")
    raw_id_fields = ("incident", "user")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IncidentTransition | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IncidentTransition | None = None) -> bool:
        return False
