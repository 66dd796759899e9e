"""What a device may report, as a table: event kind → handler. Every signed message is also a sign of life.

Body (JSON object): ``{"kind": "heartbeat" | "battery" | "alarm" | "test" | "false_alarm",
"battery": 0–100 (optional; required for kind battery), "reason": short text (optional)}``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import pgettext

from geo_governance.errors import BadInput
from iot import alarms
from iot.models import AlarmKind, Outcome
from layers.models.incidents import IncidentStatus
from layers.models.sensors import Sensor, SensorEvent, SensorEventKind, SensorStatus

MAX_BODY = 4096
MAX_REASON = 100
FIELDS = {"kind", "battery", "reason"}


@dataclass(frozen=True)
class Event:
    kind: str
    battery: int | None = None
    reason: str = ""


def refuse(message: str, field: str) -> BadInput:
    return BadInput(message, field=field)


def check_length(length: str | int | None) -> None:
    """A body over MAX_BODY bytes is refused by its Content-Length, before anything reads it."""
    try:
        too_long = int(length or 0) > MAX_BODY
    except ValueError:
        too_long = False  # Django reads no more than the body there is; parse() checks the real length
    if too_long:
        raise refuse(pgettext("iot", "消息过长（最多4096字节） / body too long (at most 4096 bytes)"), "body")


def parse(body: bytes) -> Event:
    """The device's JSON body as an Event, else 400 naming the field."""
    check_length(len(body))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise refuse(pgettext("iot", "消息须为UTF-8编码的JSON对象 / body must be a UTF-8 JSON object"), "body")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise refuse(pgettext("iot", "未知字段：%(f)s / unknown field") % {"f": "、".join(unknown)}, unknown[0])
    kind = data.get("kind")
    if kind not in HANDLERS:
        raise refuse(pgettext("iot", "事件类型须为以下之一：%(k)s / kind must be one of these")
                     % {"k": "、".join(HANDLERS)}, "kind")
    battery = data.get("battery")
    if battery is not None and (type(battery) is not int or not 0 <= battery <= 100):
        raise refuse(pgettext("iot", "电量须为0到100的整数 / battery must be a whole number 0–100"), "battery")
    if kind == "battery" and battery is None:
        raise refuse(pgettext("iot", "电量事件须包含电量 / a battery event needs battery"), "battery")
    reason = data.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise refuse(pgettext("iot", "原因须为不超过100个字符的文本 / reason: text of at most 100 characters"),
                     "reason")
    return Event(kind, battery, reason.strip())


# ---- what every message does: alive, battery -----------------------------------------------------------


def record_life(sensor: Sensor, event: Event, now: dt.datetime) -> None:
    """Heard from: last_heartbeat, battery; an offline device is online again. Logs the return and a low battery."""
    changes = {"last_heartbeat": now, **({"battery": event.battery} if event.battery is not None else {})}
    Sensor.objects.filter(pk=sensor.pk).update(**changes)
    back = Sensor.objects.filter(pk=sensor.pk, status=SensorStatus.OFFLINE).update(status=SensorStatus.ONLINE)
    if back:
        SensorEvent.objects.create(sensor=sensor, kind=SensorEventKind.HEARTBEAT, at=now,
                                   payload={"event": "back_online"})
    low = settings.GEOGOV_IOT_LOW_BATTERY
    was_low = sensor.battery is not None and sensor.battery < low
    if event.battery is not None and event.battery < low and not was_low:
        SensorEvent.objects.create(sensor=sensor, kind=SensorEventKind.BATTERY, at=now,
                                   payload={"event": "low_battery", "battery": event.battery, "threshold": low})
        alarms.notify(alarms.on_call_users(sensor.grid_id), "low_battery", f"设备低电量 {sensor.device_id}",
                      f"设备 {sensor.device_id} 电量 {event.battery}%，低于 {low}%，请及时更换电池",
                      sensor_id=sensor.pk)


# ---- the handlers: (sensor, event, now) → the answer's extra fields ---------------------------------------------


def on_alarm(kind: str) -> Callable[[Sensor, Event, dt.datetime], dict]:
    def handle(sensor: Sensor, event: Event, now: dt.datetime) -> dict:
        result = alarms.raise_device_alarm(sensor, kind, now)
        return {"incident": result.case.incident_id, "new_case": result.created,
                "repeats": result.case.repeats, "outcome": result.case.outcome}
    return handle


def on_false_alarm(sensor: Sensor, event: Event, now: dt.datetime) -> dict:
    """The detector was silenced as a false alarm: closes its case if nobody has taken it up yet, else is noted."""
    case = alarms.current_case(sensor)
    if case is None:
        return {"incident": None}
    if case.incident.status != IncidentStatus.REPORTED:  # a responder is on it: they decide
        SensorEvent.objects.create(sensor=sensor, kind=SensorEventKind.ALARM, at=now,
                                   payload={"event": "false_alarm", "incident": case.incident_id, "closed": False})
        return {"incident": case.incident_id, "outcome": None}
    case = alarms.close_case(case, Outcome.FALSE, user=None, at=now, reason=event.reason or "设备上报误报")
    return {"incident": case.incident_id, "outcome": case.outcome}


HANDLERS: dict[str, Callable[[Sensor, Event, dt.datetime], dict]] = {
    "heartbeat": lambda sensor, event, now: {},
    "battery": lambda sensor, event, now: {},
    "alarm": on_alarm(AlarmKind.ALARM),
    "test": on_alarm(AlarmKind.TEST),
    "false_alarm": on_false_alarm,
}


def handle(sensor: Sensor, event: Event, now: dt.datetime) -> dict:
    """Run one event for a verified device (inside the request's transaction)."""
    record_life(sensor, event, now)
    answer = HANDLERS[event.kind](sensor, event, now)
    battery = event.battery if event.battery is not None else sensor.battery
    return {"kind": event.kind, "device": sensor.device_id,
            "low_battery": battery is not None and battery < settings.GEOGOV_IOT_LOW_BATTERY, **answer}

