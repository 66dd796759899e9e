"""/healthz (the process answers; no database) and /readyz (the database and PostGIS answer)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def database_versions() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), PostGIS_Version()")
        postgres, postgis = cursor.fetchone()
    return {"postgresql": postgres, "postgis": postgis}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        versions = database_versions()
    except DatabaseError as exc:
        # The full error goes to the log only: it may name hosts and users.
        log.warning("readiness check failed: %s", exc)
        return JsonResponse({"status": "unavailable", "reason": f"database: {type(exc).__name__}"}, status=503)
    return JsonResponse({"status": "ok", **versions})
