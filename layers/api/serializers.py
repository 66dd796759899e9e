"""Serializers: GeoJSON features for the layers; residents always masked."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

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


class BuildingDetailSerializer(BuildingSerializer):
    """A building with its units → households → residents (masked)."""

    units = UnitSerializer(many=True, read_only=True)
    households_without_unit = HouseholdSerializer(many=True, read_only=True, source="loose_households")

    class Meta(BuildingSerializer.Meta):
        fields = (*BuildingSerializer.Meta.fields, "units", "households_without_unit")


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=False, trim_whitespace=True,
                                   help_text=_("查看事由（必填，记入审计日志）"))


class RevealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    audit_id = serializers.IntegerField()


class GridFiguresSerializer(serializers.Serializer):
    """Shape of /api/grids/<code>/figures/ (documentation only)."""

    grid = serializers.CharField()
    households = serializers.IntegerField()
    tiers = serializers.DictField(child=serializers.IntegerField())
    residents = serializers.IntegerField()
    age_structure = serializers.ListField(child=serializers.DictField())
    care_tags = serializers.DictField(child=serializers.IntegerField())
    workers = serializers.ListField(child=serializers.DictField())
