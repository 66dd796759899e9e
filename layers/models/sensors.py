"""IoT devices (物联设备): smoke detectors, cameras, ... and their events."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from layers.models.buildings import Building, Household
from layers.models.divisions import Grid
from layers.models.expressions import distance_metres, outer_geometry, within_metres
from layers.models.mercator import gist_index, web_mercator_copy
from layers.models.scoping import AreaScopedQuerySet

# A device this close to a footprint (but outside it) still belongs to that building.
NEAREST_BUILDING_METRES = 15
NEAREST_BUILDING_DEGREES = 0.0005


class SensorKind(models.TextChoices):
    SMOKE = "smoke", _("光电感烟探测器")
    CAMERA = "camera", _("雪亮工程摄像头")
    GAS = "gas", _("燃气探测器")
    DOOR = "door", _("门磁")


class SensorStatus(models.TextChoices):
    ONLINE = "online", _("在线")
    OFFLINE = "offline", _("离线")
    ALARM = "alarm", _("告警")


class SensorQuerySet(AreaScopedQuerySet):
    area_path = "grid__code"

    def assign_buildings(self) -> int:
        """Attach each device to the building containing it, else the nearest within 15 m."""
        location = outer_geometry("location", models.PointField)
        nearest = (Building.objects
                   # degrees prefilter on the GiST index (15 m < 0.0005° at China's latitudes) ...
                   .filter(footprint__dwithin=(location, NEAREST_BUILDING_DEGREES))
                   # ... then the exact test in metres
                   .filter(within_metres(F("footprint"), location, NEAREST_BUILDING_METRES))
                   .annotate(d=distance_metres(F("footprint"), location))
                   .order_by("d", "code").values("pk")[:1])
        return self.update(building=Subquery(nearest))

    def assign_grids(self) -> int:
        grid = Grid.objects.leaves().filter(boundary__covers=OuterRef("location")).order_by("code").values("pk")[:1]
        return self.update(grid=Subquery(grid))


class Sensor(models.Model):
    device_id = models.CharField(_("设备编号"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=SensorKind.choices)
    location = models.PointField(_("位置"), srid=4326)
    location_3857 = web_mercator_copy("location", models.PointField)
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="sensors")
    household = models.ForeignKey(Household, verbose_name=_("户"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="sensors")
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="sensors")
    status = models.CharField(_("状态"), max_length=10, choices=SensorStatus.choices, default=SensorStatus.ONLINE)
    installed_at = models.DateTimeField(_("安装时间"), null=True, blank=True)
    last_heartbeat = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    battery = models.PositiveSmallIntegerField(_("电量%"), null=True, blank=True)

    objects = SensorQuerySet.as_manager()

    class Meta:
        verbose_name = _("物联设备")
        verbose_name_plural = _("物联设备")
        ordering = ["device_id"]
        indexes = [gist_index("location_3857", "sensor_location_3857_gist")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in SensorStatus]), name="sensor_status_enum"),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in SensorKind]), name="sensor_kind_enum"),
            models.CheckConstraint(condition=Q(battery__isnull=True) | Q(battery__lte=100), name="sensor_battery_pct"),
        ]

    def __str__(self) -> str:
        return self.device_id


class SensorEventKind(models.TextChoices):
    ALARM = "alarm", _("告警")
    HEARTBEAT = "heartbeat", _("心跳")
    BATTERY = "battery", _("低电量")
    TEST = "test", _("测试")


class SensorEventQuerySet(AreaScopedQuerySet):
    area_path = "sensor__grid__code"


class SensorEvent(models.Model):
    sensor = models.ForeignKey(Sensor, verbose_name=_("设备"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=SensorEventKind.choices)
    at = models.DateTimeField(_("时间"))
    payload = models.JSONField(_("内容"), default=dict, blank=True)

    objects = SensorEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备事件")
        verbose_name_plural = _("设备事件")
        ordering = ["-at"]
        indexes = [models.Index(fields=["sensor", "-at"], name="sensorevent_sensor_at")]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
