"""Incidents (事件): a first model; the full closed loop builds on it."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.db import models
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layers import sql
from layers.models.buildings import Building
from layers.models.divisions import Grid
from layers.models.mercator import gist_index, web_mercator_copy
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
# Open and running against a deadline: the clock starts on acceptance.
CLOCKED_STATUSES = ("accepted", "dispatched", "in_progress", "supervised")
# A case is "near its deadline" when less than this remains (manage.py supervise_incidents raises 督办).
NEAR_DEADLINE = dt.timedelta(hours=24)


class ResponsibleLevel(models.TextChoices):
    """The level a case is handled at (小事不出网格、大事不出村组): escalation climbs this list."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村（社区）")
    TOWN = "town", _("镇（街道）")
    COUNTY = "county", _("县（区）")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class SupervisionReason(models.TextChoices):
    MANUAL = "manual", _("人工督办")
    NEAR_DEADLINE = "near_deadline", _("临期督办")
    OVERDUE = "overdue", _("超期督办")


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

    def overdue(self, now: dt.datetime | None = None) -> IncidentQuerySet:
        """Open cases whose deadline has passed."""
        return self.filter(status__in=CLOCKED_STATUSES, deadline__lt=now or timezone.now())

    def near_deadline(self, now: dt.datetime | None = None) -> IncidentQuerySet:
        """Open cases not yet overdue with less than NEAR_DEADLINE left."""
        now = now or timezone.now()
        return self.filter(status__in=CLOCKED_STATUSES, deadline__gte=now, deadline__lt=now + NEAR_DEADLINE)

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
    location_3857 = web_mercator_copy("location", models.PointField)
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="incidents")
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="incidents")
    reported_at = models.DateTimeField(_("上报时间"))
    deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # Workflow (incidents/workflow.py). Every column here is nullable or has a database default, so
    # writers that COPY/INSERT explicit columns (demo, importers) need not know them.
    version = models.IntegerField(_("版本"), db_default=1, help_text=_("乐观锁：每次流转加一"))
    responsible_level = models.CharField(_("责任层级"), max_length=8, choices=ResponsibleLevel.choices,
                                         null=True, blank=True)
    responsible_unit = models.CharField(_("责任单位"), max_length=100, null=True, blank=True)
    dispatched_from = models.CharField(_("分流层级"), max_length=8, choices=ResponsibleLevel.choices,
                                       null=True, blank=True, help_text=_("退回时回到此层级"))
    satisfaction = models.CharField(_("回访满意度"), max_length=12, choices=Satisfaction.choices,
                                    null=True, blank=True)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    supervision_level = models.CharField(_("督办层级"), max_length=8, choices=ResponsibleLevel.choices,
                                         null=True, blank=True, help_text=_("由责任层级的上一级督办"))
    supervision_reason = models.CharField(_("督办原因"), max_length=16, choices=SupervisionReason.choices,
                                          null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["status", "reported_at"], name="incident_status_time"),
                   models.Index(fields=["reported_at"], name="incident_reported_at"),
                   models.Index(fields=["deadline"], name="incident_open_deadline",
                                condition=Q(status__in=CLOCKED_STATUSES)),
                   gist_index("location_3857", "incident_location_3857_gist")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in IncidentStatus]),
                                   name="incident_status_enum"),
            models.CheckConstraint(condition=Q(source__in=[s.value for s in IncidentSource]),
                                   name="incident_source_enum"),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("reported_at")),
                                   name="incident_closed_after_reported"),
            *[models.CheckConstraint(condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__in": choices.values}),
                                     name=f"incident_{name}_enum")
              for name, choices in (("responsible_level", ResponsibleLevel), ("dispatched_from", ResponsibleLevel),
                                    ("satisfaction", Satisfaction), ("supervision_level", ResponsibleLevel),
                                    ("supervision_reason", SupervisionReason))],
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# A bin is one Web-Mercator tile of this zoom (~306 m at the equator, ~265 m at 30°N): fine enough
# that every low-zoom display cell (1/16 of a tile up to z13) is a whole number of bins. The SQL
# functions geogov_incident_cell_x/_y (layers/sql/incident_bins.sql) hard-code the same zoom.
INCIDENT_BIN_ZOOM = 17


class IncidentBinQuerySet(AreaScopedQuerySet):
    area_path = "grid__code"

    def refresh(self) -> int:
        """Rebuild every bin from layers_incident (triggers keep them current otherwise); returns the bin count."""
        with connection.cursor() as cursor:
            cursor.execute(sql.load("refresh_incident_bins"))
            return cursor.fetchone()[0]


class IncidentBin(models.Model):
    """Incidents counted per grid, status and bin cell, for the low-zoom incident tiles.

    Written only by the statement-level triggers on layers_incident (layers/sql/incident_bins.sql):
    each INSERT, UPDATE, DELETE or COPY adds its net change per bin in one grouped upsert; TRUNCATE
    empties the bins. ``sum_x``/``sum_y`` (EPSG:3857 metres) place a cluster at the mean position.
    """

    # No foreign key constraint and DO_NOTHING: deleting a grid sets its incidents' grid to NULL,
    # and the update trigger moves their counts to the NULL-grid bins.
    grid = models.ForeignKey(Grid, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")  # the unique key leads with grid_id
    status = models.CharField(max_length=12)
    cell_x = models.IntegerField()  # tile column at INCIDENT_BIN_ZOOM
    cell_y = models.IntegerField()  # tile row at INCIDENT_BIN_ZOOM (XYZ: 0 at the top)
    count = models.IntegerField()
    sum_x = models.FloatField()
    sum_y = models.FloatField()

    objects = IncidentBinQuerySet.as_manager()

    class Meta:
        db_table = "layers_incident_bin"
        constraints = [models.UniqueConstraint(fields=["grid", "status", "cell_x", "cell_y"], name="incident_bin_key",
                                               nulls_distinct=False)]
        # count and the sums are in no index, so the triggers' updates can be HOT (fillfactor 70)
        indexes = [models.Index(fields=["cell_x", "cell_y"], name="incident_bin_cell")]

    def __str__(self) -> str:
        return f"{self.grid_id}/{self.status}@{self.cell_x},{self.cell_y}: {self.count}"
