"""Query-parameter filters. Bad values are a 400 naming the parameter, never a 500."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Polygon
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend

from geo_governance.errors import BadInput, NotFound
from layers.models import Grid


def _param(name: str, description: str, schema_type: str = "string") -> dict:
    return {"name": name, "required": False, "in": "query", "description": description,
            "schema": {"type": schema_type}}


class QueryParamFilter(BaseFilterBackend):
    """A filter driven by one query parameter: absent → unfiltered; subclasses define ``apply``."""

    param: str
    description: str = ""

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        value = request.query_params.get(self.param)
        return queryset if value is None else self.apply(request, queryset, view, value)

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        raise NotImplementedError

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [_param(self.param, self.describe(view))]

    def describe(self, view) -> str:
        return self.description


def parse_bbox(value: str, param: str = "in_bbox") -> Polygon:
    """'minx,miny,maxx,maxy' in WGS84 longitude/latitude → a polygon (EPSG:4326)."""
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadInput(_("%(p)s 须为四个数字：minx,miny,maxx,maxy") % {"p": param}, field=param)
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise BadInput(_("%(p)s 的最小值不能大于最大值") % {"p": param}, field=param)
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BadInput(_("%(p)s 超出经纬度范围（经度±180，纬度±90）") % {"p": param}, field=param)
    bbox = Polygon.from_bbox((minx, miny, maxx, maxy))
    bbox.srid = 4326
    return bbox


class BBoxFilter(QueryParamFilter):
    """?in_bbox=minx,miny,maxx,maxy: features whose geometry intersects the box."""

    param = "in_bbox"
    description = "minx,miny,maxx,maxy (WGS84 lon/lat)"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        return queryset.filter(**{f"{view.bbox_filter_field}__intersects": parse_bbox(value, self.param)})


class LevelFilter(QueryParamFilter):
    """?level=: one of the view's ``level_choices``."""

    param = "level"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        allowed = {str(choice) for choice in view.level_choices}
        if value not in allowed:
            raise BadInput(_("level 须为以下之一：%(c)s") % {"c": ", ".join(sorted(allowed))}, field=self.param)
        return queryset.filter(level=value)

    def describe(self, view) -> str:
        return ", ".join(str(c) for c in view.level_choices)


class GridCodeFilter(QueryParamFilter):
    """?grid=<code>: features in that grid or its sub-grids; a grid the user cannot see is a 404."""

    param = "grid"
    description = "grid code (includes its sub-grids)"

    def apply(self, request, queryset: QuerySet, view, code: str) -> QuerySet:
        if not code.isdigit():
            raise BadInput(_("grid 须为数字网格编码"), field=self.param)
        if not Grid.objects.for_user(request.user).filter(code=code).exists():
            raise NotFound(_("网格不存在或不在您的辖区内"), field=self.param)
        return queryset.filter(grid__code__startswith=code)


class NameFilter(QueryParamFilter):
    """?q=: name contains the text."""

    param = "q"
    description = "name contains"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        text = value.strip()
        return queryset.filter(name__icontains=text) if text else queryset
