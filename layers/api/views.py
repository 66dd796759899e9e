"""Read-only, area-scoped API views. Every queryset starts from ``for_user``: default deny, 404 outside."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import views, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from geo_governance.errors import Forbidden
from layers.api import serializers as s
from layers.api.drilldown import building_feature, building_row, find_building
from layers.api.figures import division_figures, grid_figures, summary
from layers.api.filters import BBoxFilter, GridCodeFilter, LevelFilter, NameFilter
from layers.api.masking import may_reveal, record_reveal
from layers.api.pagination import FeaturePagination
from layers.models import Building, Division, DivisionLevel, Grid, Resident


class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    """行政区划 (county / town / village) inside the user's area, as GeoJSON."""

    serializer_class = s.DivisionSerializer
    pagination_class = FeaturePagination
    filter_backends = [LevelFilter, BBoxFilter]
    level_choices = DivisionLevel.values
    bbox_filter_field = "boundary"
    lookup_field = "code"

    def get_queryset(self) -> QuerySet:
        return Division.objects.for_user(self.request.user).annotate(parent_code=F("parent__code"))

    @extend_schema(responses=s.DivisionFiguresSerializer)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def figures(self, request: Request, code: str | None = None) -> Response:
        return Response(division_figures(self.get_object(), request.user))


class SummaryView(views.APIView):
    """Counters of the user's whole area for the 大屏 (command-centre screen)."""

    @extend_schema(responses=s.SummarySerializer)
    def get(self, request: Request) -> Response:
        return Response(summary(request.user))


class GridViewSet(viewsets.ReadOnlyModelViewSet):
    """网格 inside the user's area, as GeoJSON; ``figures`` gives live counts."""

    serializer_class = s.GridSerializer
    pagination_class = FeaturePagination
    filter_backends = [LevelFilter, BBoxFilter]
    level_choices = (1, 2, 3)
    bbox_filter_field = "boundary"
    lookup_field = "code"

    def get_queryset(self) -> QuerySet:
        return (Grid.objects.for_user(self.request.user)
                .annotate(division_code=F("division__code"), parent_code=F("parent__code")))

    @extend_schema(responses=s.GridFiguresSerializer)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def figures(self, request: Request, code: str | None = None) -> Response:
        return Response(grid_figures(self.get_object(), request.user))


class BuildingViewSet(viewsets.ReadOnlyModelViewSet):
    """楼栋 inside the user's area, as GeoJSON; the detail nests units, households and (masked) residents."""

    pagination_class = FeaturePagination
    filter_backends = [BBoxFilter, GridCodeFilter]
    bbox_filter_field = "footprint"
    lookup_field = "code"

    def get_serializer_class(self) -> type:
        return s.BuildingDetailSerializer if self.action == "retrieve" else s.BuildingSerializer

    def get_queryset(self) -> QuerySet:
        qs = (Building.objects.for_user(self.request.user)
              .annotate(grid_code=F("grid__code"), village_code=F("village__code")))
        return qs.defer("footprint_3857") if self.action == "retrieve" else qs

    def retrieve(self, request: Request, code: str | None = None) -> Response:
        # No docstring: the OpenAPI description stays the class's. The contents come from ``drilldown`` in a
        # fixed number of queries; the list filters (?grid=, ?in_bbox=) and the 404 take ``get_object``.
        building = None if request.query_params else find_building(code, request.user)
        if building is None:
            building = building_row(self.get_object())
        return Response(building_feature(building, request.user))


class ResidentViewSet(viewsets.ReadOnlyModelViewSet):
    """居民 inside the user's area, masked; ``reveal`` shows the full ID number and phone, audited."""

    serializer_class = s.ResidentListSerializer
    filter_backends = [NameFilter]

    def get_queryset(self) -> QuerySet:
        return Resident.objects.for_user(self.request.user).select_related("household__building")

    @extend_schema(request=s.RevealRequestSerializer, responses=s.RevealSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        resident = self.get_object()
        if not may_reveal(request.user):
            raise Forbidden(_("您的角色无权查看完整身份证号和电话"))
        form = s.RevealRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        audit = record_reveal(request, resident, form.validated_data["reason"])
        return Response(s.RevealSerializer({"id": resident.pk, "id_number": resident.id_number,
                                            "phone": resident.phone, "audit_id": audit.pk}).data)
