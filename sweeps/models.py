"""Sweep checklists (排查清单), the rounds scheduled from them, and the filled items whose findings become cases."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from layers.models.divisions import Division, DivisionLevel
from layers.models.incidents import Incident


def tr(text: str):
    return pgettext_lazy("sweeps", text)


class ChecklistItem(models.Model):
    """One line of a level's checklist template; a finding on it becomes a case of ``category``."""

    level = models.CharField(tr("级别"), max_length=10, choices=DivisionLevel.choices)
    position = models.PositiveSmallIntegerField(tr("序号"))
    label = models.CharField(tr("检查项"), max_length=200)
    category = models.CharField(tr("事件类别"), max_length=50)
    active = models.BooleanField(tr("启用"), default=True)

    class Meta:
        verbose_name = tr("排查清单项")
        verbose_name_plural = tr("排查清单项")
        ordering = ["level", "position"]
        constraints = [models.UniqueConstraint(fields=["level", "position"], name="sweeps_checklist_level_position")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.position}. {self.label}"


class RoundStatus(models.TextChoices):
    OPEN = "open", tr("待排查")
    SUBMITTED = "submitted", tr("已提交")


class SweepRound(models.Model):
    """One division's sweep for one period (unique per division and period start)."""

    division = models.ForeignKey(Division, verbose_name=tr("区划"), on_delete=models.CASCADE,
                                 related_name="sweep_rounds")
    level = models.CharField(tr("级别"), max_length=10, choices=DivisionLevel.choices)
    period_start = models.DateField(tr("周期开始"))
    period_end = models.DateField(tr("周期结束"))
    due = models.DateField(tr("截止日期"))
    status = models.CharField(tr("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN,
                              db_default=RoundStatus.OPEN)
    submitted_at = models.DateTimeField(tr("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=tr("提交人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = tr("排查轮次")
        verbose_name_plural = tr("排查轮次")
        ordering = ["-period_start", "division__code"]
        constraints = [
            models.UniqueConstraint(fields=["division", "period_start"], name="sweeps_round_division_period"),
            models.CheckConstraint(condition=Q(status="open") | Q(submitted_at__isnull=False),
                                   name="sweeps_round_submitted_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.division.name} {self.period_start}–{self.period_end}"


class ItemResult(models.TextChoices):
    PENDING = "pending", tr("未检查")
    OK = "ok", tr("正常")
    FINDING = "finding", tr("发现问题")


class RoundItem(models.Model):
    """A checklist line copied into a round when it was scheduled, with what the sweep found."""

    round = models.ForeignKey(SweepRound, verbose_name=tr("排查轮次"), on_delete=models.CASCADE,
                              related_name="items")
    position = models.PositiveSmallIntegerField(tr("序号"))
    label = models.CharField(tr("检查项"), max_length=200)
    category = models.CharField(tr("事件类别"), max_length=50)
    result = models.CharField(tr("结果"), max_length=10, choices=ItemResult.choices, default=ItemResult.PENDING,
                              db_default=ItemResult.PENDING)
    note = models.TextField(tr("情况说明"), blank=True, default="", db_default="")
    location = models.PointField(tr("位置"), srid=4326, null=True, blank=True)
    building_code = models.CharField(tr("楼栋编码"), max_length=50, blank=True, default="", db_default="")
    filled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=tr("填写人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    filled_at = models.DateTimeField(tr("填写时间"), null=True, blank=True)
    incident = models.ForeignKey(Incident, verbose_name=tr("生成事件"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="sweep_items")

    class Meta:
        verbose_name = tr("排查项")
        verbose_name_plural = tr("排查项")
        ordering = ["round", "position"]
        constraints = [models.UniqueConstraint(fields=["round", "position"], name="sweeps_item_round_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"
