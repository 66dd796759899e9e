"""Geometry at the edges of planning: GeoJSON from clients, GEOS rows from the database, shapely inside."""

from __future__ import annotations

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo_governance.errors import BadInput
from planning.topology import as_multi

AREAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")


def from_geos(geometry: GEOSGeometry | None) -> BaseGeometry | None:
    return None if geometry is None else shapely.from_wkb(bytes(geometry.wkb))


def to_geos(geometry: BaseGeometry) -> MultiPolygon:
    """A shapely area as the MultiPolygon a Grid.boundary holds (EPSG:4326)."""
    return GEOSGeometry(memoryview(shapely.to_wkb(as_multi(geometry))), srid=4326)


def parse(value, kinds: tuple[str, ...], field: str) -> BaseGeometry:
    """A GeoJSON geometry (or Feature) of one of `kinds`, else BadInput naming the field."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in kinds:
        raise BadInput(_("%(field)s 须为 GeoJSON %(kinds)s") % {"field": field, "kinds": " / ".join(kinds)},
                       field=field)
    try:
        geometry = shape(value)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise BadInput(_("%(field)s 不是有效的 GeoJSON：%(error)s") % {"field": field, "error": exc},
                       field=field) from exc
    if geometry.is_empty:
        raise BadInput(_("%(field)s 几何为空") % {"field": field}, field=field)
    if not _in_lonlat(geometry):
        raise BadInput(_("%(field)s 坐标须为经纬度（EPSG:4326）") % {"field": field}, field=field)
    return geometry


def _in_lonlat(geometry: BaseGeometry) -> bool:
    minx, miny, maxx, maxy = geometry.bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def as_geojson(geometry: BaseGeometry | None) -> dict | None:
    return None if geometry is None else mapping(geometry)


def feature(geometry: BaseGeometry | None, properties: dict, key: str | None = None) -> dict:
    item = {"type": "Feature", "geometry": as_geojson(geometry), "properties": properties}
    if key is not None:
        item["id"] = key
    return item


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}
