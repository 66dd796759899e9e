"""Buildings (楼栋) with footprints, their units (单元) and households (户)."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import Q, Subquery
from django.utils.translation import gettext_lazy as _

from layers.models.divisions import Division, Grid, largest_overlap_grid
from layers.models.expressions import outer_geometry
from layers.models.mercator import gist_index, web_mercator_copy
from layers.models.scoping import AreaScopedQuerySet


class BuildingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商业")
    MIXED = "mixed", _("商住")
    PUBLIC = "public", _("公共服务")
    INDUSTRIAL = "industrial", _("工业")
    OTHER = "other", _("其他")


class BuildingQuerySet(AreaScopedQuerySet):
    area_path = "grid__code"

    def assign_grids(self) -> int:
        """Put each building in the leaf grid that holds the larger share of its footprint."""
        footprint = outer_geometry("footprint", models.MultiPolygonField)
        return self.update(grid=Subquery(largest_overlap_grid(footprint)))

    def assign_villages(self) -> int:
        """Put each building in the village whose boundary holds a point on its footprint."""
        village = (Division.objects.villages()
                   .filter(boundary__contains=PointOnSurface(outer_geometry("footprint", models.MultiPolygonField)))
                   .order_by("code").values("pk")[:1])
        return self.update(village=Subquery(village))


class Building(models.Model):
    code = models.CharField(_("楼栋编码"), max_length=32, unique=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    footprint = models.MultiPolygonField(_("基底轮廓"), srid=4326)
    footprint_3857 = web_mercator_copy("footprint", models.MultiPolygonField)
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    height = models.FloatField(_("高度（米）"), null=True, blank=True)
    use = models.CharField(_("用途"), max_length=20, choices=BuildingUse.choices, default=BuildingUse.RESIDENTIAL)
    year_built = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="buildings")
    village = models.ForeignKey(Division, verbose_name=_("村（社区）"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="buildings")

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["code"]
        indexes = [gist_index("footprint_3857", "building_footprint_3857_gist")]
        constraints = [
            models.CheckConstraint(condition=Q(footprint__isvalid=True), name="building_footprint_valid",
                violation_error_message=_("基底轮廓几何无效（自相交或环不闭合）")),
            models.CheckConstraint(condition=Q(floors__gte=1) & Q(floors__lte=200), name="building_floors_range",
                violation_error_message=_("层数须在1到200之间")),
        ]

    def __str__(self) -> str:
        return self.address or self.code


class UnitQuerySet(AreaScopedQuerySet):
    area_path = "building__grid__code"


class Unit(models.Model):
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.CASCADE, related_name="units")
    number = models.PositiveSmallIntegerField(_("单元号"))

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building__code", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_per_building")]

    def __str__(self) -> str:
        return f"{self.building.code}-{self.number}单元"


class Tier(models.TextChoices):
    GREEN = "green", _("放心户")
    YELLOW = "yellow", _("关心户")
    RED = "red", _("连心户")


class HouseholdQuerySet(AreaScopedQuerySet):
    area_path = "building__grid__code"


class Household(models.Model):
    code = models.CharField(_("房屋编码"), max_length=40, unique=True)
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.CASCADE,
                                 related_name="households")
    unit = models.ForeignKey(Unit, verbose_name=_("单元"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="households")
    floor = models.SmallIntegerField(_("楼层"))
    room = models.CharField(_("房号"), max_length=10)
    tier = models.CharField(_("分类"), max_length=10, choices=Tier.choices, default=Tier.GREEN)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["building__code", "unit__number", "floor", "room"]
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=[t.value for t in Tier]), name="household_tier_enum"),
            models.UniqueConstraint(fields=["building", "unit", "room"], name="household_room_unique",
                                    nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return self.code
