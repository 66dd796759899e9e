"""GET /api/sweeps/rounds/ (mine), …/<id>/, POST …/<id>/items/<n>/ (fill), …/<id>/submit/, GET /api/sweeps/overdue/."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils.translation import pgettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_governance.errors import BadInput
from sweeps import service
from sweeps.models import RoundStatus
from sweeps.serializers import FillSerializer, RoundItemSerializer, RoundSerializer

ITEMS = ("items", "items__incident")


@extend_schema(parameters=[OpenApiParameter("status", enum=RoundStatus.values, required=False)])
class RoundListView(ListAPIView):
    """The rounds the user carries out (their village's, town's or county's), newest period first."""

    serializer_class = RoundSerializer

    def get_queryset(self):
        rounds = service.mine(self.request.user).prefetch_related(*ITEMS)
        status = self.request.query_params.get("status")
        if status and status not in RoundStatus.values:
            raise BadInput(pgettext("sweeps", "状态须为 open 或 submitted / status must be open or submitted"),
                           field="status")
        return rounds.filter(status=status) if status else rounds


class RoundDetailView(RetrieveAPIView):
    """One round the user carries out or sees in their area."""

    serializer_class = RoundSerializer

    def get_queryset(self):
        return service.visible(self.request.user).prefetch_related(*ITEMS)


class OverdueView(ListAPIView):
    """Open rounds past due of the level just below the user's (a town sees its villages', a county its towns')."""

    serializer_class = RoundSerializer

    def get_queryset(self):
        return service.overdue_for(self.request.user).order_by("due", "division__code").prefetch_related(*ITEMS)


class FillView(APIView):
    """Record one item: {result: ok|finding, note, lon, lat, building_code}."""

    @extend_schema(request=FillSerializer, responses=RoundItemSerializer)
    def post(self, request: Request, pk: int, position: int) -> Response:
        given = FillSerializer(data=request.data)
        if not given.is_valid():
            field, errors = next(iter(given.errors.items()))
            raise BadInput(f"{field}: {errors[0]}", field=field)
        data = given.validated_data
        if (data["lon"] is None) != (data["lat"] is None):
            raise BadInput(pgettext("sweeps", "经度和纬度须同时填写 / give both lon and lat"), field="lon")
        location = Point(data["lon"], data["lat"], srid=4326) if data["lon"] is not None else None
        fill = service.Fill(data["result"], data["note"], location, data["building_code"])
        return Response(RoundItemSerializer(service.fill_item(pk, position, request.user, fill)).data)


class SubmitView(APIView):
    """Submit the round: each finding becomes a case (submitting again returns the same cases)."""

    @extend_schema(request=None, responses=RoundSerializer)
    def post(self, request: Request, pk: int) -> Response:
        sweep = service.submit(pk, request.user)
        return Response(RoundSerializer(service.visible(request.user).prefetch_related(*ITEMS).get(pk=sweep.pk)).data)
