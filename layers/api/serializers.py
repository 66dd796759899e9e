"""Serializers: GeoJSON features for the layers; residents always masked."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from layers.api.figures import area_parents
from layers.api.masking import mask_id_number, mask_phone
from layers.models import Building, Division, Grid, Household, Resident, Unit


class DivisionSerializer(GeoFeatureModelSerializer):
    parent_code = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Division
        geo_field = "boundary"
        fields = ("code", "name", "level", "parent_code")


class GridSerializer(GeoFeatureModelSerializer):
    division_code = serializers.CharField(read_only=True)
    parent_code = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Grid
        geo_field = "boundary"
        fields = ("code", "name", "level", "kind", "division_code", "parent_code", "households", "residents",
                  "tier_green", "tier_yellow", "tier_red", "revision", "updated_at")


class BuildingSerializer(GeoFeatureModelSerializer):
    grid_code = serializers.CharField(read_only=True, allow_null=True)
    village_code = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Building
        geo_field = "footprint"
        fields = ("code", "name", "address", "floors", "height", "use", "year_built", "grid_code", "village_code")


class ResidentSerializer(serializers.ModelSerializer):
    """A resident with the ID number and phone masked (4201**********123X, 138****5678)."""

    age = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = ("id", "name", "sex", "age", "id_number_masked", "phone_masked", "relation", "residence_type",
                  "care_tags")

    def get_age(self, obj: Resident) -> int:
        today = timezone.localdate()
        born = obj.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def get_id_number_masked(self, obj: Resident) -> str:
        return mask_id_number(obj.id_number)

    def get_phone_masked(self, obj: Resident) -> str:
        return mask_phone(obj.phone)


class ResidentListSerializer(ResidentSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    building_code = serializers.CharField(source="household.building.code", read_only=True)

    class Meta(ResidentSerializer.Meta):
        fields = (*ResidentSerializer.Meta.fields, "household_code", "building_code")


class HouseholdSerializer(serializers.ModelSerializer):
    residents = ResidentSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ("code", "floor", "room", "tier", "residents")


class UnitSerializer(serializers.ModelSerializer):
    households = HouseholdSerializer(many=True, read_only=True)

    class Meta:
        model = Unit
        fields = ("number", "households")


class ParentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["division", "grid"])
    code = serializers.CharField()
    name = serializers.CharField()


class BuildingDetailSerializer(BuildingSerializer):
    """A building with its units → households → residents (masked).

    Documents /api/buildings/<code>/ in the OpenAPI schema; the view builds the same answer with
    ``layers.api.drilldown`` (a fixed number of flat queries), tests/test_api.py checks they agree.
    """

    units = UnitSerializer(many=True, read_only=True)
    households_without_unit = HouseholdSerializer(many=True, read_only=True, source="loose_households")
    parents = serializers.SerializerMethodField(help_text=_("所属网格及上级区划（用户辖区内的）"))

    class Meta(BuildingSerializer.Meta):
        fields = (*BuildingSerializer.Meta.fields, "units", "households_without_unit", "parents")

    @extend_schema_field(ParentSerializer(many=True))
    def get_parents(self, obj: Building) -> list[dict]:
        """The building's grid (and the grids and divisions above it) that the user may open."""
        code = getattr(obj, "grid_code", None) or getattr(obj, "village_code", None)
        return area_parents(self.context["request"].user, code, itself=True)


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=False, trim_whitespace=True,
                                   help_text=_("查看事由（必填，记入审计日志）"))


class RevealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    audit_id = serializers.IntegerField()


class AgeBandSerializer(serializers.Serializer):
    band = serializers.CharField(help_text="0-9, 10-19, …, 90+")
    M = serializers.IntegerField()
    F = serializers.IntegerField()


class IncidentBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    reported_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


class IncidentFiguresSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    overdue = serializers.IntegerField()
    latest = IncidentBriefSerializer(many=True)


class WorkerSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    kind = serializers.CharField()


class AreaFiguresSerializer(serializers.Serializer):
    """Shape shared by the grid and division figures (documentation only)."""

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    households = serializers.IntegerField()
    residents = serializers.IntegerField()
    tiers = serializers.DictField(child=serializers.IntegerField())
    age_structure = AgeBandSerializer(many=True)
    care_tags = serializers.DictField(child=serializers.IntegerField())
    incidents = IncidentFiguresSerializer()
    worker_count = serializers.IntegerField()
    parents = ParentSerializer(many=True)


class GridFiguresSerializer(AreaFiguresSerializer):
    """Shape of /api/grids/<code>/figures/ (documentation only)."""

    workers = WorkerSerializer(many=True)


class DivisionFiguresSerializer(AreaFiguresSerializer):
    """Shape of /api/divisions/<code>/figures/ (documentation only)."""

    level = serializers.CharField()
    grids = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    """Shape of /api/summary/: counters of the user's whole area (documentation only)."""

    grids = serializers.IntegerField()
    buildings = serializers.IntegerField()
    households = serializers.IntegerField()
    residents = serializers.IntegerField()
    grid_workers = serializers.IntegerField()
    open_incidents = serializers.IntegerField()
    overdue_incidents = serializers.IntegerField()
    incidents_today = serializers.IntegerField()
    sensors_online = serializers.IntegerField()
    sensors_offline = serializers.IntegerField()
    sensors_alarm = serializers.IntegerField()
