"""Planning records: size rules per division, committed changes and every grid's boundary revisions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from layers.models import Division, Grid


class SizeRule(models.Model):
    """Household and resident bounds for the grids under a division (village, town or county)."""

    division = models.OneToOneField(Division, verbose_name=_("区划"), on_delete=models.CASCADE,
                                    related_name="size_rule")
    min_households = models.PositiveIntegerField(_("最少户数"))
    max_households = models.PositiveIntegerField(_("最多户数"))
    min_residents = models.PositiveIntegerField(_("最少人数"))
    max_residents = models.PositiveIntegerField(_("最多人数"))

    class Meta:
        verbose_name = _("网格规模规则")
        verbose_name_plural = _("网格规模规则")
        ordering = ["division__code"]
        constraints = [
            models.CheckConstraint(condition=Q(min_households__lte=F("max_households")),
                                   name="sizerule_households_ordered",
                                   violation_error_message=_("最少户数不能大于最多户数")),
            models.CheckConstraint(condition=Q(min_residents__lte=F("max_residents")),
                                   name="sizerule_residents_ordered",
                                   violation_error_message=_("最少人数不能大于最多人数")),
        ]

    def __str__(self) -> str:
        return f"{self.division}: {self.min_households}-{self.max_households}户"


class PlanChange(models.Model):
    """One committed planning operation (its grids' revisions point here)."""

    op = models.CharField(_("操作"), max_length=20)
    params = models.JSONField(_("参数"), default=dict)
    parent_code = models.CharField(_("上级编码"), max_length=19, db_index=True)
    reason = models.CharField(_("事由"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True,
                             on_delete=models.SET_NULL, related_name="plan_changes")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    summary = models.JSONField(_("结果"), default=dict, help_text=_("各网格的版本与状态"))

    class Meta:
        verbose_name = _("网格调整")
        verbose_name_plural = _("网格调整")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.op} {self.parent_code} @ {self.at:%Y-%m-%d %H:%M}"


class RevisionAction(models.TextChoices):
    BASELINE = "baseline", _("原始边界")
    RESHAPE = "reshape", _("调整边界")
    SPLIT = "split", _("拆分")
    MERGE = "merge", _("合并")
    CREATE = "create", _("新建")
    ROLLBACK = "rollback", _("回退")
    REPLACE = "replace", _("整体重划")


class GridRevision(models.Model):
    """A grid's boundary at one revision; kept after the grid is retired (grid NULL, boundary NULL)."""

    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="planning_revisions")
    code = models.CharField(_("网格编码"), max_length=19)
    revision = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=100, blank=True)
    boundary = models.MultiPolygonField(_("边界"), srid=4326, null=True, blank=True,
                                        help_text=_("空：网格在此版本被撤销"))
    action = models.CharField(_("操作"), max_length=10, choices=RevisionAction.choices)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    change = models.ForeignKey(PlanChange, verbose_name=_("调整"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="revisions")

    class Meta:
        verbose_name = _("网格边界版本")
        verbose_name_plural = _("网格边界版本")
        ordering = ["code", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["code", "revision"], name="gridrevision_code_revision"),
            models.CheckConstraint(condition=Q(action__in=RevisionAction.values), name="gridrevision_action_enum"),
            models.CheckConstraint(condition=Q(boundary__isnull=True) | Q(boundary__isvalid=True),
                                   name="gridrevision_boundary_valid"),
        ]
        indexes = [models.Index(fields=["code", "revision"], name="gridrevision_code_rev",
                                opclasses=["varchar_pattern_ops", "int4_ops"])]

    def __str__(self) -> str:
        return f"{self.code} r{self.revision} {self.action}"
