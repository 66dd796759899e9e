"""The device door (POST /iot/v1/events, signed, no login) and the operators' API under /api/iot/."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, views
from rest_framework.request import Request
from rest_framework.response import Response

from geo_governance.errors import BadInput, Forbidden, NotFound, json_errors
from incidents.service import actor_of
from iot import alarms, coverage, events, figures, signing
from iot import serializers as s
from iot.models import AlarmCase, Nonce, Notification, Outcome
from layers.models.divisions import GridWorker
from layers.models.incidents import Incident
from layers.models.scoping import area_prefix
from layers.models.sensors import Sensor, SensorKind, SensorStatus


@csrf_exempt
@require_POST
@json_errors
def ingest(request: HttpRequest) -> JsonResponse:
    """One signed event from a device: verify, parse, then record the nonce and handle it in one transaction."""
    now = timezone.now()
    events.check_length(request.META.get("CONTENT_LENGTH"))  # before the body is read or hashed
    signed = signing.verify(request, now)
    event = events.parse(request.body)
    with transaction.atomic():
        signing.use_nonce(signed)
        Nonce.objects.filter(sensor=signed.sensor, signed_at__lt=now - signing.WINDOW).delete()
        answer = events.handle(signed.sensor, event, now)
    return JsonResponse(answer, status=201 if answer.get("new_case") else 200)


def find_case(user, incident_id: int) -> AlarmCase:
    """The alarm case of an incident inside the user's area, else 404."""
    case = (AlarmCase.objects.filter(incident__in=Incident.objects.for_user(user), incident_id=incident_id)
            .select_related("incident__building", "sensor__building").first())
    if case is None:
        raise NotFound(pgettext("iot", "告警事件不存在或不在您的管辖范围内 / no such alarm case in your area"))
    return case


class RespondersView(views.APIView):
    """Who needs help first in the alarming building (masked), and the grid's workers to call."""

    @extend_schema(responses=s.RespondersSerializer)
    def get(self, request: Request, incident_id: int) -> Response:
        case = find_case(request.user, incident_id)
        building = case.incident.building or case.sensor.building
        residents = alarms.vulnerable_residents(building.pk if building else None)
        workers = GridWorker.objects.filter(grid_id=case.incident.grid_id).values("name", "phone", "kind")
        return Response(s.RespondersSerializer({
            "incident": case.incident_id, "incident_code": case.incident.code, "status": case.incident.status,
            "device_id": case.sensor.device_id, "building_code": building.code if building else None,
            "address": building.address if building else None, "counts": alarms.vulnerable_counts(
                building.pk if building else None), "residents": residents, "grid_workers": workers}).data)


class FalseAlarmView(views.APIView):
    """An operator or grid worker declares an open alarm case a false alarm (reason required)."""

    @extend_schema(request=s.CloseRequestSerializer, responses=s.AlarmCaseSerializer)
    def post(self, request: Request, incident_id: int) -> Response:
        case = find_case(request.user, incident_id)
        actor = actor_of(request.user)
        if not actor.admin and actor.level is None:
            raise Forbidden(pgettext("iot", "您的角色无权关闭告警 / your role may not close alarms"))
        form = s.CloseRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        case = alarms.close_case(case, Outcome.FALSE, user=request.user, reason=form.validated_data["reason"])
        return Response(s.AlarmCaseSerializer(case).data)


class DeviceList(generics.ListAPIView):
    """Devices in the user's area; ``?status=offline``, ``?kind=smoke``, ``?low_battery=1`` narrow the list."""

    serializer_class = s.DeviceSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=SensorStatus.values),
                               OpenApiParameter("kind", str, enum=SensorKind.values),
                               OpenApiParameter("low_battery", bool, description="only those under the threshold")])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        devices = (Sensor.objects.for_user(self.request.user)
                   .select_related("grid", "building", "household", "iot_key").order_by("device_id"))
        narrowed = {"status": params.get("status"), "kind": params.get("kind"),
                    "battery__lt": settings.GEOGOV_IOT_LOW_BATTERY if params.get("low_battery") in ("1", "true")
                    else None}
        return devices.filter(**{name: value for name, value in narrowed.items() if value is not None})


class NotificationList(generics.ListAPIView):
    """The requesting user's own notifications, newest first; ``?unread=1`` for the unread ones."""

    serializer_class = s.NotificationSerializer

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="only unread")])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        mine = Notification.objects.filter(user=self.request.user).select_related("incident", "sensor")
        return mine.unread() if self.request.query_params.get("unread") in ("1", "true") else mine


class NotificationRead(views.APIView):
    @extend_schema(request=None, responses=s.NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = Notification.objects.filter(user=request.user, pk=pk).first()
        if notification is None:
            raise NotFound(pgettext("iot", "通知不存在 / no such notification"))
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(s.NotificationSerializer(notification).data)


def parse_moment(request: Request, name: str) -> dt.datetime | None:
    """An ISO date or date-time query parameter (a date means its midnight, local time)."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    moment = parse_datetime(raw) or (parse_date(raw) and dt.datetime.combine(parse_date(raw), dt.time()))
    if not moment:
        raise BadInput(pgettext("iot", "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"), field=name)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class FiguresView(views.APIView):
    """Alarms (= test + false + real) and device health by grid, in the user's area."""

    @extend_schema(responses=s.FiguresSerializer, parameters=[
        OpenApiParameter("since", str, description="opened on or after (YYYY-MM-DD)"),
        OpenApiParameter("until", str, description="opened before (YYYY-MM-DD)")])
    def get(self, request: Request) -> Response:
        return Response(figures.figures(request.user, parse_moment(request, "since"), parse_moment(request, "until")))


class CoverageView(views.APIView):
    """Elderly-alone households without a working smoke detector, by grid, in the user's area."""

    @extend_schema(responses=s.CoverageSerializer)
    def get(self, request: Request) -> Response:
        prefix = area_prefix(request.user)
        if prefix is None:
            return Response({"totals": dict.fromkeys(coverage.TOTALS, 0), "grids": []})
        return Response(coverage.coverage(prefix))
