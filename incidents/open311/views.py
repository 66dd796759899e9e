"""Open311 GeoReport v2 endpoints. Every call carries the client's key (``api_key`` parameter, or the password of
HTTP Basic auth for clients that send no key on reads); errors are the spec's [{"code": …, "description": …}]."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from geo_governance.errors import BadInput, GeoGovError, NotFound
from incidents import intake
from incidents.channels import keys
from incidents.models import ApiClient
from incidents.open311 import formats
from incidents.open311 import service_requests as reqs
from incidents.open311.services import SERVICES, as_json

MAX_RANGE = dt.timedelta(days=90)


@dataclass(frozen=True)
class Answer:
    data: dict | list
    kind: str  # a key of formats.XML_SHAPES
    status: int = 200


def open311_view(view: Callable[..., Answer]) -> Callable[..., HttpResponse]:
    """Check the jurisdiction, run the view, render its Answer (or a GeoGovError as the spec's error list;
    the 401 of a missing key is the spec's 403) in the format the path ends with (.json / .xml)."""
    def wrapper(request: HttpRequest, *args, fmt: str = "json", **kwargs) -> HttpResponse:
        try:
            check_jurisdiction(request)
            answer = view(request, *args, **kwargs)
        except GeoGovError as exc:
            code = 403 if exc.status_code == 401 else exc.status_code
            answer = Answer([{"code": code, "description": exc.message}], "errors", code)
        return formats.render(answer.data, answer.kind, fmt, answer.status)
    return csrf_exempt(wrapper)


def check_jurisdiction(request: HttpRequest) -> None:
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if given and given != settings.GEOGOV_OPEN311_JURISDICTION:
        raise NotFound(_("jurisdiction_id 不存在：%(j)s / jurisdiction_id %(j)s not found") % {"j": given})


def api_key(request: HttpRequest) -> str | None:
    scheme, _sep, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(encoded).decode().partition(":")[2] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return request.POST.get("api_key") or request.GET.get("api_key")


def client_of(request: HttpRequest) -> ApiClient:
    return keys.client_for(api_key(request), "open311")


@open311_view
def service_list(request: HttpRequest) -> Answer:
    client_of(request)
    return Answer([as_json(service) for service in SERVICES.values()], "services")


@open311_view
def service_definition(request: HttpRequest, code: str) -> Answer:
    client_of(request)
    if code not in SERVICES:
        raise NotFound(_("service_code 不存在：%(c)s / service_code %(c)s not found") % {"c": code})
    return Answer({"service_code": code, "attributes": []}, "definition")


def date_param(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None or value.tzinfo is None:
        raise BadInput(_("%(n)s 须为带时区的 W3C 日期时间，例如 2026-01-01T00:00:00Z / %(n)s must be a W3C "
                         "datetime with a time zone") % {"n": name})
    return value


@open311_view
def request_list(request: HttpRequest) -> Answer:
    if request.method == "POST":
        return create_request(request)
    client = client_of(request)
    ids = [i for i in request.GET.get("service_request_id", "").split(",") if i]
    end = date_param(request, "end_date") or dt.datetime.now(dt.UTC)
    start = date_param(request, "start_date") or end - MAX_RANGE
    if end - start > MAX_RANGE or end < start:
        raise BadInput(_("start_date 与 end_date 之间不能超过 90 天 / the date range may span at most 90 days"))
    cases = reqs.visible(client).filter(code__in=ids) if ids else reqs.filtered(
        reqs.visible(client), codes=[c for c in request.GET.get("service_code", "").split(",") if c],
        statuses=[s for s in request.GET.get("status", "").split(",") if s], start=start, end=end)
    return Answer([reqs.as_json(case, request) for case in reqs.with_details(cases)], "requests")


@open311_view
def request_detail(request: HttpRequest, request_id: str) -> Answer:
    cases = reqs.with_details(reqs.visible(client_of(request)).filter(code=request_id))
    if not cases:
        raise NotFound(_("service_request_id 不存在：%(i)s / service_request_id %(i)s not found") % {"i": request_id})
    return Answer([reqs.as_json(cases[0], request)], "requests")


def create_request(request: HttpRequest) -> Answer:
    client = client_of(request)
    form = request.POST
    service = SERVICES.get(form.get("service_code", ""))
    if service is None:
        raise BadInput(_("service_code 缺失或不存在 / service_code missing or not found"))
    result = intake.register(
        "open311", title=str(service.name), category=service.category, description=form.get("description", ""),
        location=open311_point(form), address=form.get("address_string"), building_code=form.get("address_id"),
        reporter={"name": " ".join(filter(None, (form.get("first_name"), form.get("last_name")))),
                  "phone": form.get("phone", "")},
        idempotency_key=request.headers.get("Idempotency-Key"), client=f"api:{client.pk}", api_client=client,
        extra=reqs.extra_of(form), render=lambda result: [{"service_request_id": result.incident.code,
                                                             "service_notice": "", "account_id": None}])
    return Answer(result.response, "requests", 201)


def open311_point(form) -> Point | None:
    if not form.get("lat") and not form.get("long"):
        if not form.get("address_string") and not form.get("address_id"):
            raise BadInput(_("须提供 lat/long、address_string 或 address_id / lat/long, address_string or "
                             "address_id is required"))
        return None
    try:
        return Point(float(form["long"]), float(form["lat"]), srid=4326)
    except (KeyError, ValueError):
        raise BadInput(_("lat 与 long 须为数字 / lat and long must be numbers")) from None

