"""The workflow API: list and detail (scoped), and one POST per transition. Views stay thin: the core is service."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import filters, service
from incidents import serializers as s
from incidents.models import IncidentTransition
from layers.models.incidents import Incident


class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    """事件 inside the user's area; the detail carries its log and the actions this user may take."""

    lookup_value_regex = r"\d+"
    filter_backends = [filters.StatusFilter, filters.OverdueFilter, filters.NearDeadlineFilter,
                       filters.SupervisedFilter, *filters.FIGURE_FILTERS]

    def get_serializer_class(self) -> type:
        return s.IncidentDetailSerializer if self.action == "retrieve" else s.IncidentSerializer

    def get_queryset(self) -> QuerySet:
        qs = Incident.objects.for_user(self.request.user).select_related("grid")
        if self.action in ("retrieve", "transitions"):
            log = IncidentTransition.objects.select_related("user").order_by("at", "id")
            qs = qs.prefetch_related(Prefetch("transitions", queryset=log))
        return qs

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        incident.allowed_actions = service.allowed_actions(incident, service.actor_of(request.user))
        return Response(s.IncidentDetailSerializer(incident).data)

    @extend_schema(request=s.TransitionRequestSerializer, responses=s.IncidentDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], url_path="transitions")
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        form = s.TransitionRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        service.transition(int(pk), data.pop("action"), request.user, data.pop("version"), **data)
        return self.retrieve(request, pk)
