"""Incidents (事件): a first model; the full closed loop builds on it."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from layers.models.buildings import Building
from layers.models.divisions import Grid
from layers.models.scoping import AreaScopedQuerySet


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("上报")
    ACCEPTED = "accepted", _("受理")
    DISPATCHED = "dispatched", _("分流")
    IN_PROGRESS = "in_progress", _("办理")
    SUPERVISED = "supervised", _("督办")
    RESOLVED = "resolved", _("办结")
    FOLLOWED_UP = "followed_up", _("回访")
    ARCHIVED = "archived", _("归档")
    REJECTED = "rejected", _("不予受理")


OPEN_STATUSES = ("reported", "accepted", "dispatched", "in_progress", "supervised")


class IncidentSource(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员上报")
    HOTLINE = "hotline", _("12345热线")
    WALK_IN = "walk_in", _("来访登记")
    WEB = "web", _("网上信箱")
    IOT = "iot", _("物联告警")
    OPEN311 = "open311", _("Open311")


class IncidentQuerySet(AreaScopedQuerySet):
    area_path = "grid__code"

    def open(self) -> IncidentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def assign_grids(self) -> int:
        grid = Grid.objects.leaves().filter(boundary__covers=OuterRef("location")).order_by("code").values("pk")[:1]
        return self.update(grid=Subquery(grid))

    def assign_buildings(self) -> int:
        building = Building.objects.filter(footprint__covers=OuterRef("location")).order_by("code").values("pk")[:1]
        return self.update(building=Subquery(building))


class Incident(models.Model):
    code = models.CharField(_("事件编号"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    category = models.CharField(_("类别"), max_length=50, help_text=_("多级类别，以 / 分隔"))
    source = models.CharField(_("来源渠道"), max_length=12, choices=IncidentSource.choices)
    status = models.CharField(_("状态"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED)
    location = models.PointField(_("位置"), srid=4326)
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="incidents")
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="incidents")
    reported_at = models.DateTimeField(_("上报时间"))
    deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["status", "reported_at"], name="incident_status_time")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in IncidentStatus]),
                                   name="incident_status_enum"),
            models.CheckConstraint(condition=Q(source__in=[s.value for s in IncidentSource]),
                                   name="incident_source_enum"),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("reported_at")),
                                   name="incident_closed_after_reported"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
