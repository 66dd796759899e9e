"""The periodic sweep (manage.py iot_sweep): offline devices, alarm cases the workflow closed, old nonces."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from iot import signing
from iot.models import AlarmCase, Outcome
from layers.models.incidents import OPEN_STATUSES, Incident
from layers.models.sensors import Sensor, SensorStatus


def mark_offline(now: dt.datetime | None = None) -> int:
    """One UPDATE: devices that report here (they have a key), online, and silent for GEOGOV_IOT_OFFLINE_MINUTES.

    Silent means no message since the cutoff, or none ever and the key issued before it. A device in
    alarm stays in alarm. The next signed message brings a device back online (iot/events.py).
    """
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.GEOGOV_IOT_OFFLINE_MINUTES)
    silent = Q(last_heartbeat__lt=cutoff) | Q(last_heartbeat__isnull=True, iot_key__issued_at__lt=cutoff)
    return (Sensor.objects.filter(silent, status=SensorStatus.ONLINE, iot_key__isnull=False)
            .update(status=SensorStatus.OFFLINE))


@transaction.atomic
def close_finished_cases() -> int:
    """Alarm cases whose incident the workflow has closed (a real alarm handled): closed as real, devices online."""
    finished = AlarmCase.objects.open().exclude(Exists(Incident.objects.filter(pk=OuterRef("incident_id"),
                                                                              status__in=OPEN_STATUSES)))
    sensors = list(finished.values_list("sensor_id", flat=True))
    closed = finished.update(closed_at=timezone.now(), outcome=Outcome.REAL)
    Sensor.objects.filter(pk__in=sensors, status=SensorStatus.ALARM).update(status=SensorStatus.ONLINE)
    return closed


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    return {"offline": mark_offline(now), "cases_closed": close_finished_cases(),
            "nonces_expired": signing.expire_nonces(now)}
