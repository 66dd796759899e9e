"""Alarm figures by grid: alarms = test + false + real, plus the devices' health (ORM aggregation)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from iot.models import AlarmCase, AlarmKind, Outcome
from layers.models.sensors import Sensor, SensorKind, SensorStatus

ALARM_FIGURES = {
    "alarms": Count("id"),
    "test": Count("id", filter=Q(kind=AlarmKind.TEST)),
    "false": Count("id", filter=Q(outcome=Outcome.FALSE)),
    # everything that was neither a test nor declared false, whether still open or closed by the workflow
    "real": Count("id", filter=Q(kind=AlarmKind.ALARM) & ~Q(outcome=Outcome.FALSE)),
    "open": Count("id", filter=Q(closed_at__isnull=True)),
    # repeated alarms appended to an open case instead of opening another (de-duplication at work)
    "repeats": Coalesce(Sum("repeats"), 0),
}


def device_figures(low: int) -> dict:
    return {
        "devices": Count("id"),
        "online": Count("id", filter=Q(status=SensorStatus.ONLINE)),
        "offline": Count("id", filter=Q(status=SensorStatus.OFFLINE)),
        "in_alarm": Count("id", filter=Q(status=SensorStatus.ALARM)),
        "low_battery": Count("id", filter=Q(battery__lt=low)),
    }


def figures(user, since: dt.datetime | None = None, until: dt.datetime | None = None) -> dict:
    """Scoped to the user's area; alarm cases counted by when they opened (since ≤ opened_at < until)."""
    cases = AlarmCase.objects.for_user(user)
    if since:
        cases = cases.filter(opened_at__gte=since)
    if until:
        cases = cases.filter(opened_at__lt=until)
    devices = Sensor.objects.for_user(user).filter(kind=SensorKind.SMOKE)
    health = device_figures(settings.GEOGOV_IOT_LOW_BATTERY)
    by_grid: dict[str | None, dict] = {}
    for row in cases.values("grid__code", "grid__name").annotate(**ALARM_FIGURES).order_by("grid__code"):
        by_grid.setdefault(row["grid__code"], {"grid_code": row["grid__code"], "grid_name": row["grid__name"]}
                           ).update({k: row[k] for k in ALARM_FIGURES})
    for row in devices.values("grid__code", "grid__name").annotate(**health).order_by("grid__code"):
        by_grid.setdefault(row["grid__code"], {"grid_code": row["grid__code"], "grid_name": row["grid__name"]}
                           ).update({k: row[k] for k in health})
    zero = dict.fromkeys([*ALARM_FIGURES, *health], 0)
    grids = [{**zero, **row} for _, row in sorted(by_grid.items(), key=lambda item: (item[0] is None, item[0] or ""))]
    return {"totals": {**cases.aggregate(**ALARM_FIGURES), **devices.aggregate(**health)}, "grids": grids,
            "low_battery_threshold": settings.GEOGOV_IOT_LOW_BATTERY}
