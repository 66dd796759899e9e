"""Incident workflow serializers: the case, its log, and the transition request."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from incidents.models import IncidentTransition
from layers.models.incidents import CLOCKED_STATUSES, Incident


class IncidentSerializer(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True, allow_null=True, default=None)
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    # same choices as responsible_level: a plain string keeps one enum name in the OpenAPI schema
    supervision_level = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Incident
        fields = ("id", "code", "title", "category", "source", "status", "version", "grid_code", "lon", "lat",
                  "reported_at", "deadline", "overdue", "closed_at", "responsible_level", "responsible_unit",
                  "satisfaction", "supervised_at", "supervision_level", "supervision_reason")

    def get_lon(self, incident: Incident) -> float:
        return round(incident.location.x, 7)

    def get_lat(self, incident: Incident) -> float:
        return round(incident.location.y, 7)

    def get_overdue(self, incident: Incident) -> bool:
        return bool(incident.status in CLOCKED_STATUSES and incident.deadline and incident.deadline < timezone.now())


class TransitionLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = IncidentTransition
        fields = ("action", "from_status", "to_status", "user", "at", "note", "data")


class IncidentDetailSerializer(IncidentSerializer):
    description = serializers.CharField(read_only=True)
    transitions = TransitionLogSerializer(many=True, read_only=True)
    allowed_actions = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = (*IncidentSerializer.Meta.fields, "description", "transitions", "allowed_actions")


class TransitionRequestSerializer(serializers.Serializer):
    action = serializers.CharField()
    version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    level = serializers.CharField(required=False)
    unit = serializers.CharField(required=False, allow_blank=True)
    satisfaction = serializers.CharField(required=False)
    attachments = serializers.ListField(child=serializers.CharField(), required=False)
