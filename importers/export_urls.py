"""Routes of the layer exports (mounted at /export/): /export/<kind>.<fmt>, e.g. /export/buildings.gpkg."""

from django.urls import re_path

from importers import export_views

app_name = "exports"
urlpatterns = [
    re_path(r"^(?P<kind>[a-z_]+)\.(?P<fmt>[a-z0-9]+)$", export_views.export, name="export"),
]
