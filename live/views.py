"""GET /live/events/: the Server-Sent Events stream of alarms and incidents in the user's area."""

from __future__ import annotations

import psycopg
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from geo_governance.errors import Forbidden
from layers.models.scoping import area_prefix
from live.stream import LiveStream


@require_safe
def events(request: HttpRequest) -> HttpResponse:
    prefix = area_prefix(request.user)
    if prefix is None:
        error = Forbidden(_("您没有可查看的辖区，不能接收实时告警。"))
        return JsonResponse(error.as_dict(), status=error.status_code)
    try:
        stream = LiveStream(prefix)
    except psycopg.OperationalError:
        return JsonResponse({"detail": _("实时推送暂不可用，请稍后重试。")}, status=503)
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
