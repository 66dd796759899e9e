"""Basemap endpoints: thin views over basemap.service."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from basemap import service
from geo_governance.errors import json_errors
from tiles.service import parse_coord

CACHE_CONTROL = "private, max-age=3600"
TILEJSON_CACHE_CONTROL = "private, max-age=60"


@require_safe
@json_errors
def tile(request: HttpRequest, z: str, x: str, y: str) -> HttpResponse:
    service.mbtiles_path(settings.BASEMAP)  # 404 before anything else when there is no MBTiles basemap
    found = service.read_tile(settings.BASEMAP, parse_coord(z, x, y))
    if found is None:
        response = HttpResponse(status=204)
    elif found.etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(found.data, content_type=found.content_type)
    if found is not None:
        response["ETag"] = found.etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_safe
@json_errors
def tilejson(request: HttpRequest) -> JsonResponse:
    base = request.build_absolute_uri(reverse("basemap:tilejson")).rsplit("/", 1)[0]
    response = JsonResponse(service.tilejson(settings.BASEMAP, base + "/{z}/{x}/{y}"))
    response["Cache-Control"] = TILEJSON_CACHE_CONTROL
    return response
