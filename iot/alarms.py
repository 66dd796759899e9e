"""A device's alarm becomes one urgent case at its building; repeats are appended; tests and false alarms close.

Every function here runs inside the ingestion request's transaction, so the live feed (NOTIFY triggers
on layers_sensor and layers_incident, live/sql/live_notify.sql) announces the sensor's new status and the
new case together at commit, and the grid workers' Notification rows appear at the same moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import pgettext

from geo_governance.errors import BadInput
from incidents import intake
from incidents.models import IncidentTransition
from iot.models import AlarmCase, AlarmKind, Notification, Outcome
from layers.models.access import Role
from layers.models.divisions import Grid
from layers.models.incidents import OPEN_STATUSES, Incident, IncidentSource, IncidentStatus
from layers.models.people import CareTag, Resident
from layers.models.sensors import Sensor, SensorEvent, SensorEventKind, SensorKind, SensorStatus
from live.alarms import ALARM_CATEGORY


@dataclass(frozen=True)
class CaseText:
    """What an alarm of one kind of device is called in its case (stored data: Chinese, like all case data)."""

    category: str
    name: str
    what: str


CASE_TEXTS = {
    SensorKind.SMOKE: CaseText(ALARM_CATEGORY, "烟感告警", "报告烟雾浓度超限"),
    SensorKind.GAS: CaseText("消防安全/燃气泄漏告警", "燃气告警", "报告可燃气体浓度超限"),
    SensorKind.DOOR: CaseText("治安防控/门磁告警", "门磁告警", "报告门窗异常开启"),
    SensorKind.CAMERA: CaseText("治安防控/视频告警", "视频告警", "报告画面异常"),
}
TITLE_PREFIX = {AlarmKind.ALARM: "【紧急】", AlarmKind.TEST: "【测试】"}
# Who needs help first when a building is on fire: the care tags listed for the responders.
VULNERABLE = (CareTag.ELDERLY_ALONE, CareTag.DISABLED)
VULNERABLE_LABELS = {CareTag.ELDERLY_ALONE: "独居老人", CareTag.DISABLED: "残疾人"}


@dataclass(frozen=True)
class Closing:
    """How a test or false alarm is closed: the incident's final status, the log's action and its note."""

    status: str
    action: str
    note: str


# Test and false alarms are not matters to handle: closed as 不予受理 (like a merged duplicate), so they
# never count as handled or overdue cases; the log's action and the AlarmCase's outcome say which.
CLOSINGS = {
    Outcome.TEST: Closing(IncidentStatus.REJECTED, "iot_test", "测试告警，自动关闭"),
    Outcome.FALSE: Closing(IncidentStatus.REJECTED, "iot_false_alarm", "误报"),
}


@dataclass(frozen=True)
class AlarmResult:
    case: AlarmCase
    created: bool


def vulnerable_residents(building_id: int | None):
    """Residents of the building with a care tag that responders must know about."""
    if building_id is None:
        return Resident.objects.none()
    return (Resident.objects.filter(household__building_id=building_id, care_tags__overlap=list(VULNERABLE))
            .select_related("household__building", "household__unit").order_by("household__code", "id"))


def vulnerable_counts(building_id: int | None) -> dict[str, int]:
    tags = list(vulnerable_residents(building_id).values_list("care_tags", flat=True))
    return {tag.value: sum(tag in t for t in tags) for tag in VULNERABLE}


def describe(sensor: Sensor, counts: dict[str, int]) -> str:
    people = "、".join(f"{VULNERABLE_LABELS[CareTag(tag)]}{n}人" for tag, n in counts.items())
    return f"设备 {sensor.device_id} {CASE_TEXTS[sensor.kind].what}。楼内需优先关注：{people}（名单见响应人员列表）"


def open_alarm_case(sensor: Sensor, kind: str, at: dt.datetime) -> AlarmCase:
    """Register the case through the intake core (channel iot) at the device's building and link it."""
    counts = vulnerable_counts(sensor.building_id)
    where = (sensor.building.address or sensor.building.code) if sensor.building else sensor.device_id
    place = {"building_code": sensor.building.code} if sensor.building else {"location": sensor.location}
    text = CASE_TEXTS[sensor.kind]
    title = f"{TITLE_PREFIX[kind]}{text.name} {where}"[:200]
    result = intake.register(IncidentSource.IOT, title=title, category=text.category,
                             description=describe(sensor, counts), urgent=kind == AlarmKind.ALARM,
                             extra={"device_id": sensor.device_id, "event": kind}, **place)
    return AlarmCase.objects.create(sensor=sensor, incident=result.incident, grid_id=sensor.grid_id, kind=kind,
                                    opened_at=at, last_alarm_at=at, vulnerable=counts)


# After the grid's own workers, who is told: the first of these levels with an active operator.
ESCALATION_ROLES = (Role.VILLAGE, Role.TOWN, Role.COUNTY)


def on_call_users(grid_id: int | None) -> list:
    """The grid's workers with a login (GridWorker.user or a grid_worker profile on the grid); if it has none,
    the operators of its village, else of its town, else of its county, so that an alarm reaches someone."""
    grid = Grid.objects.select_related("division__parent__parent").filter(pk=grid_id).first() if grid_id else None
    if grid is None:
        return []
    users = get_user_model().objects.filter(is_active=True)
    workers = list(users.filter(Q(grid_roles__grid=grid)
                                | Q(profile__role=Role.GRID_WORKER, profile__grid=grid)).distinct())
    division = grid.division
    for role in ESCALATION_ROLES:
        if workers or division is None:
            break
        workers = list(users.filter(profile__role=role, profile__division=division))
        division = division.parent
    return workers


def notify(users: list, kind: str, title: str, body: str, *, sensor_id: int, incident_id: int | None = None) -> int:
    Notification.objects.bulk_create(Notification(user=user, kind=kind, title=title[:200], body=body,
                                                  incident_id=incident_id, sensor_id=sensor_id)
                                     for user in users)
    return len(users)


def append(case: AlarmCase, kind: str, at: dt.datetime) -> AlarmResult:
    """The device alarmed again while its case is open: counted and logged on that case, no new case."""
    AlarmCase.objects.filter(pk=case.pk).update(repeats=F("repeats") + 1, last_alarm_at=at)
    case.refresh_from_db(fields=["repeats", "last_alarm_at"])
    SensorEvent.objects.create(sensor_id=case.sensor_id, kind=SensorEventKind.ALARM, at=at,
                               payload={"event": kind, "incident": case.incident_id, "repeat": case.repeats})
    return AlarmResult(case, False)


def current_case(sensor: Sensor) -> AlarmCase | None:
    """The device's open case; one whose incident the workflow has meanwhile closed is closed here as real."""
    case = AlarmCase.objects.open().select_related("incident").filter(sensor=sensor).first()
    if case is None or case.incident.status in OPEN_STATUSES:
        return case
    AlarmCase.objects.filter(pk=case.pk).update(closed_at=case.incident.closed_at or timezone.now(),
                                                outcome=Outcome.REAL)
    return None


@transaction.atomic
def raise_device_alarm(sensor: Sensor, kind: str, at: dt.datetime | None = None) -> AlarmResult:
    """Alarm (or test alarm) from a device: a new urgent case, or appended to its open one."""
    at = at or timezone.now()
    sensor = Sensor.objects.select_for_update(of=("self",)).select_related("building", "grid").get(pk=sensor.pk)
    case = current_case(sensor)
    if case is not None:
        return append(case, kind, at)
    case = open_alarm_case(sensor, kind, at)
    SensorEvent.objects.create(sensor=sensor, kind=SensorEventKind(kind), at=at,
                               payload={"event": kind, "incident": case.incident_id})
    if kind == AlarmKind.TEST:
        close_case(case, Outcome.TEST, user=None, at=at)
        return AlarmResult(case, True)
    Sensor.objects.filter(pk=sensor.pk).update(status=SensorStatus.ALARM)
    incident = case.incident
    notify(on_call_users(incident.grid_id or sensor.grid_id), "alarm", incident.title,
           f"{incident.code} {incident.description}", sensor_id=sensor.pk, incident_id=incident.pk)
    return AlarmResult(case, True)


@transaction.atomic
def close_case(case: AlarmCase, outcome: str, *, user, at: dt.datetime | None = None, reason: str = "") -> AlarmCase:
    """Close an open alarm case as a test or a false alarm: the incident directly, logged, the device back online."""
    closing = CLOSINGS[outcome]
    at = at or timezone.now()
    incident = Incident.objects.select_for_update().get(pk=case.incident_id)
    if incident.status not in OPEN_STATUSES or case.closed_at is not None:
        raise BadInput(pgettext("iot", "该告警事件已关闭 / this alarm case is already closed"), field="status")
    Incident.objects.filter(pk=incident.pk).update(status=closing.status, closed_at=max(at, incident.reported_at),
                                                   version=F("version") + 1)
    note = f"{closing.note}：{reason}" if reason else closing.note
    IncidentTransition.objects.create(incident=incident, action=closing.action, from_status=incident.status,
                                      to_status=closing.status, user=user, at=at, note=note,
                                      data={"outcome": outcome, **({"reason": reason} if reason else {})})
    AlarmCase.objects.filter(pk=case.pk).update(closed_at=at, outcome=outcome)
    Sensor.objects.filter(pk=case.sensor_id, status=SensorStatus.ALARM).update(status=SensorStatus.ONLINE)
    paged = get_user_model().objects.filter(iot_notifications__incident_id=incident.pk,
                                            iot_notifications__kind="alarm").distinct()
    notify(list(paged), "alarm_closed", f"【已解除】{incident.title}"[:200], f"{incident.code} {note}",
           sensor_id=case.sensor_id, incident_id=incident.pk)
    case.refresh_from_db()
    return case
