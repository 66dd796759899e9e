"""Django admin for every layers model: offline map widgets, area scoping, masked personal data."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.forms.widgets import OpenLayersWidget
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from layers.idnumber import mask_id_number, mask_phone
from layers.models import (
    Building,
    Division,
    Grid,
    GridWorker,
    Household,
    Incident,
    IncidentBin,
    Profile,
    Resident,
    RevealAudit,
    Sensor,
    SensorEvent,
    Unit,
)
from layers.models.scoping import area_prefix

OL_VERSION = "10.11.0"  # static/vendor/LOCK.json


class OfflineMapWidget(OpenLayersWidget):
    """OpenLayers from our own static files and a blank background: no CDN, no tile server."""

    template_name = "layers/widgets/offline_map.html"
    # Wuhan (the demo district) until the geometry itself sets the view.
    default_lon = 114.30
    default_lat = 30.62
    default_zoom = 12

    class Media:
        extend = False
        css = {"all": (f"vendor/ol/{OL_VERSION}/ol.css", "gis/css/ol3.css")}
        js = (f"vendor/ol/{OL_VERSION}/ol.js", "gis/js/OLMapWidget.js")

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs)
        for key in ("default_lon", "default_lat", "default_zoom"):
            self.attrs.setdefault(key, getattr(self, key))


class ScopedAdmin(GISModelAdmin):
    """Staff see only their own area (superusers everything), as in the API."""

    gis_widget = OfflineMapWidget

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        prefix = area_prefix(request.user)
        if prefix is None:
            return qs.none()
        return qs if prefix == "" else qs.for_prefix(prefix)


@admin.register(Division)
class DivisionAdmin(ScopedAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


class GridWorkerInline(admin.TabularInline):
    model = GridWorker
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    list_display = ("code", "name", "level", "kind", "division", "households", "residents", "revision")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    list_select_related = ("division",)
    raw_id_fields = ("division", "parent")
    readonly_fields = ("households", "residents", "tier_green", "tier_yellow", "tier_red", "updated_at")
    inlines = [GridWorkerInline]


@admin.register(GridWorker)
class GridWorkerAdmin(ScopedAdmin):
    list_display = ("name", "phone", "kind", "grid")
    list_filter = ("kind",)
    search_fields = ("name", "grid__code", "grid__name")
    list_select_related = ("grid",)
    raw_id_fields = ("grid", "user")


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ("code", "address", "use", "floors", "grid", "village")
    list_filter = ("use",)
    search_fields = ("code", "address", "name")
    list_select_related = ("grid", "village")
    raw_id_fields = ("grid", "village")


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("building", "number")
    search_fields = ("building__code",)
    list_select_related = ("building",)
    raw_id_fields = ("building",)


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ("code", "building", "unit", "floor", "room", "tier")
    list_filter = ("tier",)
    search_fields = ("code", "building__code")
    list_select_related = ("building", "unit__building")
    raw_id_fields = ("building", "unit")


@admin.register(Resident)
class ResidentAdmin(ScopedAdmin):
    list_display = ("name", "sex", "birth_date", "masked_id_number", "masked_phone", "residence_type", "household")
    list_filter = ("sex", "residence_type")
    search_fields = ("name", "household__code")
    list_select_related = ("household",)
    raw_id_fields = ("household",)

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj: Resident) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("电话"))
    def masked_phone(self, obj: Resident) -> str:
        return mask_phone(obj.phone)


@admin.register(Sensor)
class SensorAdmin(ScopedAdmin):
    list_display = ("device_id", "kind", "status", "battery", "last_heartbeat", "building", "grid")
    list_filter = ("kind", "status")
    search_fields = ("device_id",)
    list_select_related = ("building", "grid")
    raw_id_fields = ("building", "household", "grid")


@admin.register(SensorEvent)
class SensorEventAdmin(ScopedAdmin):
    list_display = ("sensor", "kind", "at")
    list_filter = ("kind",)
    search_fields = ("sensor__device_id",)
    list_select_related = ("sensor",)
    raw_id_fields = ("sensor",)
    date_hierarchy = "at"


@admin.register(Incident)
class IncidentAdmin(ScopedAdmin):
    list_display = ("code", "title", "category", "source", "status", "reported_at", "grid")
    list_filter = ("status", "source")
    search_fields = ("code", "title", "category")
    list_select_related = ("grid",)
    raw_id_fields = ("grid", "building")
    date_hierarchy = "reported_at"


@admin.register(IncidentBin)
class IncidentBinAdmin(ScopedAdmin):
    """Derived data kept by database triggers (see layers/sql/incident_bins.sql): look, never edit."""

    list_display = ("grid", "status", "cell_x", "cell_y", "count")
    list_filter = ("status",)
    raw_id_fields = ("grid",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IncidentBin | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IncidentBin | None = None) -> bool:
        return False


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "division", "grid")
    list_filter = ("role",)
    search_fields = ("user__username",)
    list_select_related = ("user", "division", "grid")
    raw_id_fields = ("user", "division", "grid")


@admin.register(RevealAudit)
class RevealAuditAdmin(admin.ModelAdmin):
    """The audit log is append-only: nobody adds, edits or deletes rows here."""

    list_display = ("at", "user", "resident", "fields", "reason", "ip")
    search_fields = ("user__username", "reason")
    list_select_related = ("user", "resident")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RevealAudit | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RevealAudit | None = None) -> bool:
        return False
