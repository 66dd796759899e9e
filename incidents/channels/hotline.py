"""12345 hotline API (no login session: ``Authorization: Bearer <client token>``).

POST /api/hotline/v1/cases      file a case; the hotline's own ``case_no`` is the idempotency key unless an
                                ``Idempotency-Key`` header is sent
GET  /api/hotline/v1/cases/<code>  the status of a case this client filed
"""

from __future__ import annotations

import json

from django.contrib.gis.geos import Point
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from geo_governance.errors import BadInput, NotFound, json_errors
from incidents import intake
from incidents.channels import keys
from incidents.models import Duplicate, DuplicateStatus, Reporter
from layers.models.incidents import Incident


def body_of(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInput(_("请求体须为 JSON / the body must be JSON"), field="body") from None
    if not isinstance(body, dict):
        raise BadInput(_("请求体须为 JSON 对象 / the body must be a JSON object"), field="body")
    return body


def hotline_point(body: dict) -> Point | None:
    if body.get("lon") is None and body.get("lat") is None:
        return None
    if not all(isinstance(body.get(k), int | float) for k in ("lon", "lat")):
        raise BadInput(_("经纬度须为数字 / lon and lat must be numbers"), field="lon")
    return Point(body["lon"], body["lat"], srid=4326)


def status_of(incident: Incident) -> dict:
    return {"code": incident.code, "status": incident.status,
            "grid_code": incident.grid.code if incident.grid_id else None,
            "deadline": incident.deadline and incident.deadline.isoformat(),
            "closed_at": incident.closed_at and incident.closed_at.isoformat(),
            "satisfaction": incident.satisfaction, "responsible_unit": incident.responsible_unit}


@csrf_exempt
@require_POST
@json_errors
def file_case(request: HttpRequest) -> JsonResponse:
    client = keys.client_for(keys.bearer(request), "hotline")
    body = body_of(request)
    case_no = str(body.get("case_no") or "").strip()
    key = request.headers.get("Idempotency-Key") or (case_no and f"case_no:{case_no}")
    result = intake.register(
        "hotline", title=body.get("title"), category=body.get("category"), description=body.get("description"),
        location=hotline_point(body), address=body.get("address"), building_code=body.get("building_code"),
        reporter=body.get("caller"), urgent=bool(body.get("urgent")), idempotency_key=key or None,
        extra={"case_no": case_no} if case_no else None, client=f"api:{client.pk}", api_client=client,
        render=lambda result: {**status_of(result.incident), "held": result.held})
    return JsonResponse(result.response, status=201, headers={} if result.created else {"Idempotent-Replayed": "true"})


@require_GET
@json_errors
def case_status(request: HttpRequest, code: str) -> JsonResponse:
    client = keys.client_for(keys.bearer(request), "hotline")
    filed = Reporter.objects.filter(client=client).values("reported_case_id")  # still found after a merge
    incident = Incident.objects.filter(code=code, pk__in=filed).select_related("grid").first()
    if incident is None:
        raise NotFound(_("该接口客户端没有此事件 / no such case filed by this client"))
    merged = (Duplicate.objects.filter(incident=incident, status=DuplicateStatus.CONFIRMED)
              .values_list("original__code", flat=True).first())
    return JsonResponse({**status_of(incident), "merged_into": merged})
