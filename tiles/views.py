"""Tile endpoints: thin views over tiles.service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from geo_governance.errors import json_errors
from layers.models.scoping import area_prefix
from tiles import service

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
# Revalidate every time: a 304 costs one sequence read, and a live alarm must show on the next fetch.
CACHE_CONTROL = "private, no-cache"


@require_safe
@json_errors
def tile(request: HttpRequest, layer: str, z: str, x: str, y: str) -> HttpResponse:
    source = service.get_source(layer)
    coord = service.parse_coord(z, x, y)
    prefix = area_prefix(request.user)
    etag = service.tile_etag(source, coord, prefix)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        data = service.render_tile(source, coord, prefix)
        response = HttpResponse(data, content_type=MVT_CONTENT_TYPE, status=200 if data else 204)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_safe
@json_errors
def tilejson(request: HttpRequest, layer: str) -> JsonResponse:
    source = service.get_source(layer)
    base = request.build_absolute_uri(reverse("tiles:tilejson", args=[layer])).removesuffix(".json")
    body = service.tilejson(source, base + "/{z}/{x}/{y}.pbf", area_prefix(request.user))
    response = JsonResponse(body)
    response["Cache-Control"] = CACHE_CONTROL
    return response
