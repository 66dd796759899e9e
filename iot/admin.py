"""Admin: device keys (fingerprints only: secrets are never stored), alarm cases, notifications; read only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from iot.models import AlarmCase, DeviceKey, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the ingestion and ``manage.py iot_keys`` only; superusers may look."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DeviceKey)
class DeviceKeyAdmin(ReadOnlyAdmin):
    list_display = ("sensor", "fingerprint", "issued_at", "previous_valid_until")
    search_fields = ("sensor__device_id", "fingerprint")
    list_select_related = ("sensor",)
    exclude = ("salt", "previous_salt")


@admin.register(AlarmCase)
class AlarmCaseAdmin(ReadOnlyAdmin):
    list_display = ("sensor", "incident", "kind", "opened_at", "repeats", "closed_at", "outcome")
    list_filter = ("kind", "outcome")
    search_fields = ("sensor__device_id", "incident__code")
    list_select_related = ("sensor", "incident")
    date_hierarchy = "opened_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
