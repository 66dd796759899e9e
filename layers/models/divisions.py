"""Administrative divisions (行政区划), grids (网格) and grid workers (网格员)."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Area, Intersection
from django.core.validators import RegexValidator
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layers import sql
from layers.idnumber import validate_phone
from layers.models.mercator import gist_index, web_mercator_copy
from layers.models.scoping import AreaScopedQuerySet


class DivisionLevel(models.TextChoices):
    COUNTY = "county", _("县（区）")
    TOWN = "town", _("镇（街道）")
    VILLAGE = "village", _("村（社区）")


# Digits of the 12-digit statistical code that identify a division of each level.
PREFIX_LENGTH = {DivisionLevel.COUNTY: 6, DivisionLevel.TOWN: 9, DivisionLevel.VILLAGE: 12}


class DivisionQuerySet(AreaScopedQuerySet):
    area_path = "code"

    def villages(self) -> DivisionQuerySet:
        return self.filter(level=DivisionLevel.VILLAGE)


class Division(models.Model):
    code = models.CharField(
        _("统计用区划代码"), max_length=12, unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("区划代码须为12位数字"))],
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.MultiPolygonField(_("边界"), srid=4326)
    boundary_3857 = web_mercator_copy("boundary", models.MultiPolygonField)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [gist_index("boundary_3857", "division_boundary_3857_gist")]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^\d{12}$"), name="division_code_12_digits",
                violation_error_message=_("区划代码须为12位数字")),
            models.CheckConstraint(
                condition=(Q(level="county", code__regex=r"^\d{6}0{6}$")
                           | Q(level="town", code__regex=r"^\d{9}000$") & ~Q(code__regex=r"^\d{6}0{6}$")
                           | Q(level="village") & ~Q(code__regex=r"000$")),
                name="division_code_matches_level",
                violation_error_message=_("区划代码与级别不符：县级以000000结尾，镇级以000结尾，村级不以000结尾"),
            ),
            models.CheckConstraint(condition=Q(boundary__isvalid=True), name="division_boundary_valid",
                violation_error_message=_("边界几何无效（自相交或环不闭合）")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def area_prefix(self) -> str:
        return division_prefix(self.code, self.level)


def division_prefix(code: str, level: str) -> str:
    """The part of a division code that all codes inside the division share."""
    return code[: PREFIX_LENGTH[DivisionLevel(level)]]


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合网格")
    SCHOOL = "school", _("专属网格·学校")
    HOSPITAL = "hospital", _("专属网格·医院")
    MARKET = "market", _("专属网格·商场市场")
    ENTERPRISE = "enterprise", _("专属网格·企业园区")


class GridQuerySet(AreaScopedQuerySet):
    area_path = "code"

    def leaves(self) -> GridQuerySet:
        """Grids with no sub-grids: the ones buildings and incidents are assigned to."""
        return self.filter(children__isnull=True)

    def refresh_figures(self) -> int:
        """Recount cached households, residents and tiers (a grid counts its sub-grids too)."""
        grid_ids = list(self.values_list("pk", flat=True))
        if not grid_ids:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(sql.load("refresh_grid_figures"), {"grid_ids": grid_ids})
            return cursor.rowcount


class Grid(models.Model):
    code = models.CharField(
        _("网格编码"), max_length=19, unique=True,
        help_text=_("村（社区）代码 + 3 位序号，每下一级再加 2 位"),
        validators=[RegexValidator(r"^\d{15}(\d{2}){0,2}$", _("网格编码须为15、17或19位数字"))],
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("网格级别"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))])
    kind = models.CharField(_("类型"), max_length=20, choices=GridKind.choices, default=GridKind.COMPREHENSIVE)
    division = models.ForeignKey(Division, verbose_name=_("所属村（社区）"), on_delete=models.PROTECT,
                                 related_name="grids")
    parent = models.ForeignKey("self", verbose_name=_("上级网格"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    boundary = models.MultiPolygonField(_("边界"), srid=4326)
    boundary_3857 = web_mercator_copy("boundary", models.MultiPolygonField)
    households = models.PositiveIntegerField(_("户数"), default=0)
    residents = models.PositiveIntegerField(_("人数"), default=0)
    tier_green = models.PositiveIntegerField(_("放心户"), default=0)
    tier_yellow = models.PositiveIntegerField(_("关心户"), default=0)
    tier_red = models.PositiveIntegerField(_("连心户"), default=0)
    revision = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        indexes = [gist_index("boundary_3857", "grid_boundary_3857_gist")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level=1, code__regex=r"^\d{15}$") | Q(level=2, code__regex=r"^\d{17}$")
                           | Q(level=3, code__regex=r"^\d{19}$")),
                name="grid_code_matches_level",
                violation_error_message=_("网格编码长度与网格级别不符（一级15位、二级17位、三级19位）"),
            ),
            models.CheckConstraint(condition=Q(boundary__isvalid=True), name="grid_boundary_valid",
                violation_error_message=_("边界几何无效（自相交或环不闭合）")),
        ]
        # "inside its parent" and "code extends the parent's code" are enforced by the trigger
        # geogov_grid_check (migration 0002), which needs the parent row.

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def area_prefix(self) -> str:
        return self.code


class WorkerKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class GridWorkerQuerySet(AreaScopedQuerySet):
    area_path = "grid__code"


class GridWorker(models.Model):
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="workers")
    user = models.ForeignKey("auth.User", verbose_name=_("登录账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="grid_roles")
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, validators=[validate_phone])
    kind = models.CharField(_("类型"), max_length=10, choices=WorkerKind.choices, default=WorkerKind.FULL_TIME)

    objects = GridWorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")
        ordering = ["grid__code", "name"]

    def __str__(self) -> str:
        return self.name


def largest_overlap_grid(geometry_ref) -> models.QuerySet:
    """Subquery: the leaf grid holding the larger share of a geometry (see outer_geometry)."""
    return (Grid.objects.leaves().filter(boundary__intersects=geometry_ref)
            .annotate(share=Area(Intersection("boundary", geometry_ref)))
            .order_by("-share", "code").values("pk")[:1])
