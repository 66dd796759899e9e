"""Sweep rounds and items as JSON; the fill request."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sweeps.models import ItemResult, RoundItem, SweepRound


class RoundItemSerializer(serializers.ModelSerializer):
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    incident_code = serializers.CharField(source="incident.code", default=None, read_only=True)

    class Meta:
        model = RoundItem
        fields = ("position", "label", "category", "result", "note", "lon", "lat", "building_code", "filled_at",
                  "incident", "incident_code")

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_lon(self, item: RoundItem) -> float | None:
        return item.location.x if item.location else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_lat(self, item: RoundItem) -> float | None:
        return item.location.y if item.location else None


class RoundSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="division.code", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    items = RoundItemSerializer(many=True, read_only=True)

    class Meta:
        model = SweepRound
        fields = ("id", "division", "division_code", "division_name", "level", "period_start", "period_end", "due",
                  "status", "submitted_at", "items")


class FillSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[ItemResult.OK, ItemResult.FINDING])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    building_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
