"""Raising an alarm: the one core function behind ``manage.py simulate_alarm``, the demo and the tests."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from geo_governance.errors import BadInput
from layers.models import Incident, Sensor
from layers.models.incidents import IncidentSource, IncidentStatus
from layers.models.sensors import SensorEvent, SensorEventKind, SensorKind, SensorStatus

# Stored data (not UI text): categories and titles are Chinese, like the rest of the incident data.
ALARM_CATEGORY = "消防安全/烟感告警"
ALARM_TITLE = "【紧急】烟感告警"
# Urgent: a smoke alarm must be handled within half an hour.
ALARM_DEADLINE = dt.timedelta(minutes=30)


def incident_code(sensor: Sensor, at: dt.datetime) -> str:
    """IOT + UTC time to the microsecond + sensor id: unique and at most 32 characters."""
    return f"IOT{at.astimezone(dt.UTC):%y%m%d%H%M%S%f}-{sensor.pk}"[:32]


@transaction.atomic
def raise_alarm(sensor: Sensor, *, at: dt.datetime | None = None) -> Incident:
    """Put a smoke detector into alarm, log the SensorEvent and open an urgent IoT incident there.

    One transaction, so the live feed announces sensor and incident together at commit.
    """
    if sensor.kind != SensorKind.SMOKE:
        raise BadInput(f"设备 {sensor.device_id} 不是烟感探测器，不能模拟烟感告警", field="sensor")
    at = at or timezone.now()
    Sensor.objects.filter(pk=sensor.pk).update(status=SensorStatus.ALARM)
    sensor.status = SensorStatus.ALARM
    SensorEvent.objects.create(sensor=sensor, kind=SensorEventKind.ALARM, at=at,
                               payload={"reason": "smoke", "simulated": True})
    where = (sensor.building.address or sensor.building.code) if sensor.building else sensor.device_id
    incident = Incident.objects.create(
        code=incident_code(sensor, at), title=f"{ALARM_TITLE} {where}"[:200],
        description=f"设备 {sensor.device_id} 报告烟雾浓度超限", category=ALARM_CATEGORY,
        source=IncidentSource.IOT, status=IncidentStatus.REPORTED, location=sensor.location,
        building=sensor.building, reported_at=at, deadline=at + ALARM_DEADLINE)
    placed = Incident.objects.filter(pk=incident.pk)
    placed.assign_grids()
    if sensor.building_id is None:  # a detector near, not in, a footprint keeps its own building
        placed.assign_buildings()
    incident.refresh_from_db()
    return incident
