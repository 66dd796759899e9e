"""Operator pages: the command-centre map at /map/ (MapLibre GL JS, vendored; our JS in static/gridmap/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import Extent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from layers.models import CareTag, DivisionLevel, Grid, IncidentStatus, ResidenceType, SensorKind, SensorStatus, Tier
from layers.models.access import MAY_PLAN, Role
from layers.models.buildings import BuildingUse
from layers.models.divisions import WorkerKind
from layers.models.people import Relation, Sex

# Layers served by tiles/ (TileJSON at /tiles/<layer>.json); the MVT source-layer name is the layer name
# (grids and divisions also carry <layer>_label: one label point per feature).
TILE_LAYERS = ("divisions", "grids", "buildings", "incidents", "sensors")


def area_name(user) -> str:
    """The name of the area a user works in, for the page header."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return _("全部辖区") if user.is_superuser else _("未分配辖区")
    area = profile.grid or profile.division
    return area.name if area is not None else _("全部辖区")


def area_bounds(user) -> list[float] | None:
    """[west, south, east, north] of the grids the user may see, or None when there are none."""
    extent = Grid.objects.for_user(user).aggregate(extent=Extent("boundary"))["extent"]
    return list(extent) if extent is not None else None


def may_plan(user) -> bool:
    """Whether the page offers the grid boundary editor (the planning API checks again, per area)."""
    if user.is_superuser:
        return True
    profile = getattr(user, "profile", None)
    return profile is not None and MAY_PLAN.get(Role(profile.role), False)


def choice_labels() -> dict[str, dict[str, str]]:
    """Display labels of the coded values the map and its side panel show."""
    choices = {"tier": Tier, "sex": Sex, "relation": Relation, "residence_type": ResidenceType,
               "care_tag": CareTag, "use": BuildingUse, "incident_status": IncidentStatus,
               "sensor_kind": SensorKind, "sensor_status": SensorStatus, "division_level": DivisionLevel,
               "worker_kind": WorkerKind}
    return {name: {value: str(label) for value, label in enum.choices} for name, enum in choices.items()}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "gridmap/index.html", {
        "area_name": area_name(request.user),
        "area_bounds": area_bounds(request.user),
        "choice_labels": choice_labels(),
        "tile_layers": TILE_LAYERS,
        "screen_mode": request.GET.get("screen") == "1",
        "may_plan": may_plan(request.user),
    })
