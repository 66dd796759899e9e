"""The operators' side of intake: held cases to place by hand, duplicate proposals to confirm or dismiss."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_governance.errors import BadInput
from incidents import intake
from incidents.channels import render
from incidents.models import Duplicate, DuplicateStatus
from incidents.serializers import IncidentSerializer


class HeldListView(ListAPIView):
    """GET /api/incidents/held/: cases outside every grid, waiting for placement (county operators, admins)."""

    serializer_class = IncidentSerializer

    def get_queryset(self):
        return intake.held_for(self.request.user).select_related("grid")


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
class PlaceView(APIView):
    """POST /api/incidents/held/<id>/place/ {lon, lat, version}: set the point, reassign grid and building."""

    def post(self, request: Request, pk: int) -> Response:
        try:
            point = Point(float(request.data["lon"]), float(request.data["lat"]), srid=4326)
            version = int(request.data["version"])
        except (KeyError, TypeError, ValueError):
            raise BadInput(_("请提供数字 lon、lat 和 version / give numeric lon, lat and version"),
                           field="lon") from None
        return Response(render.case(intake.place(pk, request.user, point, version)))


class DuplicateSerializer(serializers.ModelSerializer):
    incident_code = serializers.CharField(source="incident.code")
    original_code = serializers.CharField(source="original.code")

    class Meta:
        model = Duplicate
        fields = ("id", "incident", "incident_code", "original", "original_code", "distance_m", "status", "at",
                  "decided_at")


class DuplicateListView(ListAPIView):
    """GET /api/incidents/duplicates/?status=proposed|confirmed|dismissed (default proposed), in the user's area."""

    serializer_class = DuplicateSerializer

    def get_queryset(self):
        status = self.request.query_params.get("status", DuplicateStatus.PROPOSED)
        if status not in DuplicateStatus.values:
            raise BadInput(_("状态须为以下之一：%(v)s / status must be one of %(v)s")
                           % {"v": ", ".join(DuplicateStatus.values)}, field="status")
        return intake.proposals_for(self.request.user).filter(status=status)


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
class DecideView(APIView):
    """POST /api/incidents/duplicates/<id>/confirm/ (merge into the older case) or …/dismiss/."""

    confirm = True

    def post(self, request: Request, pk: int) -> Response:
        proposal = intake.decide(pk, request.user, self.confirm)
        return Response({**DuplicateSerializer(proposal).data, "surviving": render.case(proposal.original)})
