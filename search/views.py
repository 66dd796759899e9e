"""The map's search box: one thin JSON view over search.service."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from geo_governance.errors import json_errors
from search import service

# Results may name residents: never stored by a shared cache or the browser's disk cache.
CACHE_CONTROL = "private, no-store"


@require_safe
@json_errors
def search(request: HttpRequest) -> JsonResponse:
    query = service.parse_query(request.GET.get("q"))
    limit = service.parse_limit(request.GET.get("limit"))
    response = JsonResponse({"query": query, "results": service.search(request.user, query, limit)},
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = CACHE_CONTROL
    return response
