"""IoT smoke detectors (issue 5): signed ingestion (HMAC, stale, replay, unknown device, bad bodies), heartbeats and
offline sweep, low battery, alarms that become one urgent case with the vulnerable residents and a notified grid
worker, de-duplication, test and false alarms closed and counted, coverage of elderly-alone households, scoping."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import IncidentTransition
from iot import keys, signing
from iot.models import AlarmCase, DeviceKey, Nonce, Notification
from iot.sweep import mark_offline, sweep
from layers.models import Household, Incident, Sensor, SensorEvent
from tests.conftest import District, add_household

pytestmark = pytest.mark.django_db
MESSAGE_401 = "签名无效或设备未登记 / invalid signature or unregistered device"


# ---- helpers: devices and a signing client ---------------------------------------------------------------


def add_sensor(district: District, device_id: str, building: str = "b1", *, kind: str = "smoke",
               status: str = "online", household: Household | None = None, **fields) -> Sensor:
    where = getattr(district, building)
    centre = where.footprint.centroid
    return Sensor.objects.create(device_id=device_id, kind=kind, status=status, building=where, grid=where.grid,
                                 household=household, location=Point(centre.x, centre.y, srid=4326), **fields)


def device(district: District, device_id: str = "SMK-B1", building: str = "b1", **fields) -> tuple[Sensor, str]:
    """A smoke detector with a key: (sensor, secret)."""
    sensor = add_sensor(district, device_id, building, **fields)
    return sensor, keys.issue(sensor)


def send(device_id: str, secret: str, body: dict | bytes, *, at: dt.datetime | None = None, nonce: str | None = None,
         **overrides: str):
    """POST one signed event as a device does, from an anonymous client; ``overrides`` replace headers."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {**signing.signed_headers(device_id, secret, raw, at=at, nonce=nonce), **overrides}
    return Client().post("/iot/v1/events", data=raw, content_type="application/json",
                         headers={k: v for k, v in headers.items() if v is not None})


def reload(sensor: Sensor) -> Sensor:
    sensor.refresh_from_db()
    return sensor


# ---- signatures ------------------------------------------------------------------------------------------


def test_a_signed_heartbeat_brings_the_device_online_with_its_battery(district: District):
    sensor, secret = device(district, status="offline")
    response = send("SMK-B1", secret, {"kind": "heartbeat", "battery": 80})
    assert response.status_code == 200, response.json()
    assert response.json() == {"kind": "heartbeat", "device": "SMK-B1", "low_battery": False}
    sensor = reload(sensor)
    assert (sensor.status, sensor.battery) == ("online", 80)
    assert abs(sensor.last_heartbeat - timezone.now()) < dt.timedelta(seconds=30)
    assert list(SensorEvent.objects.filter(sensor=sensor).values_list("kind", "payload")) == [
        ("heartbeat", {"event": "back_online"})]
    # a second heartbeat of an online device is not logged as an event
    assert send("SMK-B1", secret, {"kind": "heartbeat"}).status_code == 200
    assert SensorEvent.objects.filter(sensor=sensor).count() == 1 and reload(sensor).battery == 80


def test_wrong_secret_tampered_body_missing_headers_and_unknown_device_get_one_401(district: District):
    sensor, secret = device(district, status="offline")
    other, other_secret = device(district, "SMK-B3", "b3")
    body = json.dumps({"kind": "heartbeat"}).encode()
    headers = signing.signed_headers("SMK-B1", secret, body)
    attempts = [
        send("SMK-B1", other_secret, body),  # another device's secret
        send("SMK-B1", secret, b'{"kind": "alarm"}', **{"X-Signature": headers["X-Signature"]}),  # body changed
        send("SMK-B1", secret, body, **{"X-Signature": None}),
        send("SMK-B1", secret, body, **{"X-Nonce": None}),
        send("SMK-B1", secret, body, **{"X-Timestamp": None}),
        send("SMK-B1", secret, body, **{"X-Signature": "zz" * 32}),  # not hex
        send("SMK-B1", secret, body, **{"X-Nonce": "short"}),  # under 8 characters
        send("SMK-NOPE", secret, body),  # unknown device
        send("SMK-B1", secret, body, **{"X-Device-Id": "SMK-B3"}),  # signed by B1, claims B3
    ]
    assert [r.status_code for r in attempts] == [401] * 9
    assert {r.json()["detail"] for r in attempts} == {MESSAGE_401}
    assert reload(sensor).status == "offline" and Nonce.objects.count() == 0
    # an upper-case hex signature is the same signature
    upper = signing.signed_headers("SMK-B1", secret, body)
    assert send("SMK-B1", secret, body, **{**upper, "X-Signature": upper["X-Signature"].upper()}).status_code == 200
    assert reload(other).last_heartbeat is None


def test_a_timestamp_more_than_five_minutes_off_either_way_is_401(district: District):
    sensor, secret = device(district)
    now = timezone.now()
    late = send("SMK-B1", secret, {"kind": "heartbeat"}, at=now - dt.timedelta(minutes=5, seconds=30))
    early = send("SMK-B1", secret, {"kind": "heartbeat"}, at=now + dt.timedelta(minutes=5, seconds=30))
    assert (late.status_code, early.status_code) == (401, 401)
    assert late.json()["detail"].startswith("时间戳超出允许范围")
    # stale is said before the device is looked up: an unknown device gets the same answer
    assert send("SMK-NOPE", secret, {"kind": "heartbeat"}, at=now - dt.timedelta(hours=1)).json() == late.json()
    # absurd timestamps are refused, not an error: 11 digits are read and stale, 12 are malformed
    assert send("SMK-B1", secret, {"kind": "heartbeat"}, **{"X-Timestamp": "99999999999"}).json() == late.json()
    assert send("SMK-B1", secret, {"kind": "heartbeat"}, **{"X-Timestamp": "999999999999"}).status_code == 401
    assert send("SMK-B1", secret, {"kind": "heartbeat"}, at=now - dt.timedelta(minutes=4)).status_code == 200
    assert send("SMK-B1", secret, {"kind": "heartbeat"}, at=now + dt.timedelta(minutes=4)).status_code == 200
    assert reload(sensor).last_heartbeat is not None and Nonce.objects.count() == 2


def test_a_repeated_nonce_is_a_replay_409_and_nonces_expire_after_the_window(district: District):
    sensor, secret = device(district)
    other, other_secret = device(district, "SMK-B3", "b3")
    first = send("SMK-B1", secret, {"kind": "alarm"}, nonce="nonce-0001")
    assert first.status_code == 201
    replay = send("SMK-B1", secret, {"kind": "alarm"}, nonce="nonce-0001")
    assert replay.status_code == 409 and replay.json()["field"] == "nonce"
    assert AlarmCase.objects.get().repeats == 0 and Incident.objects.count() == 1
    # nonces are per device
    assert send("SMK-B3", other_secret, {"kind": "heartbeat"}, nonce="nonce-0001").status_code == 200
    # the window: a nonce signed six minutes ago is forgotten, a recent one kept
    Nonce.objects.filter(sensor=other).update(signed_at=timezone.now() - dt.timedelta(minutes=6))
    assert signing.expire_nonces() == 1
    assert list(Nonce.objects.values_list("sensor__device_id", "nonce")) == [("SMK-B1", "nonce-0001")]


@pytest.mark.parametrize(("body", "field"), [
    (b"not json", "body"),
    (b"[1, 2]", "body"),
    (b"\xff\xfe{}", "body"),
    (b'{"kind": "explode"}', "kind"),
    (b'{}', "kind"),
    (b'{"kind": "heartbeat", "battery": 101}', "battery"),
    (b'{"kind": "heartbeat", "battery": "50"}', "battery"),
    (b'{"kind": "heartbeat", "battery": true}', "battery"),
    (b'{"kind": "battery"}', "battery"),
    (b'{"kind": "heartbeat", "temperature": 21}', "temperature"),
    (b'{"kind": "alarm", "reason": 5}', "reason"),
    (b'{"kind": "heartbeat", "pad": "' + b"x" * 5000 + b'"}', "body"),
])
def test_a_malformed_body_is_400_naming_the_field_and_uses_no_nonce(district: District, body: bytes, field: str):
    sensor, secret = device(district)
    response = send("SMK-B1", secret, body)
    assert response.status_code == 400 and response.json()["field"] == field
    assert Nonce.objects.count() == 0 and reload(sensor).last_heartbeat is None


def test_only_post_and_only_iot_paths_pass_without_login(district: District):
    anonymous = Client()
    assert anonymous.get("/iot/v1/events").status_code == 405
    assert anonymous.post("/iot/v1/events", data=b"{}", content_type="application/json").status_code == 401
    for path in ("/map/", "/iot/", "/iot/v2/events", "/import/"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
    for path in ("/api/iot/notifications/", "/api/iot/figures/", "/api/iot/coverage/"):
        assert anonymous.get(path).status_code in (401, 403), path


# ---- keys ----------------------------------------------------------------------------------------------


def test_keys_are_printed_once_never_stored_and_rotate_with_a_grace_period(district: District):
    sensors = [add_sensor(district, f"SMK-{n}") for n in range(3)]
    out = StringIO()
    call_command("iot_keys", "issue", "SMK-0", stdout=out, stderr=StringIO())
    device_id, secret = out.getvalue().strip().split("\t")
    assert device_id == "SMK-0" and len(secret) == 64
    key = DeviceKey.objects.get(sensor=sensors[0])
    stored = [str(v) for v in DeviceKey.objects.filter(pk=key.pk).values_list().get()]
    assert secret not in " ".join(stored)  # the database holds a salt and a fingerprint, not the secret
    assert key.fingerprint == hashlib.sha256(secret.encode()).hexdigest()[:16]
    assert send("SMK-0", secret, {"kind": "heartbeat"}).status_code == 200
    with pytest.raises(CommandError, match="already have a key"):
        call_command("iot_keys", "issue", "SMK-0", stdout=StringIO())
    with pytest.raises(CommandError, match="unknown device"):
        call_command("iot_keys", "issue", "SMK-9", stdout=StringIO())
    out = StringIO()
    call_command("iot_keys", "issue", "--all-missing", stdout=out, stderr=StringIO())
    assert [line.split("\t")[0] for line in out.getvalue().splitlines()] == ["SMK-1", "SMK-2"]
    # rotation: the new secret verifies at once, the old one for the grace period only
    out = StringIO()
    call_command("iot_keys", "rotate", "SMK-0", stdout=out, stderr=StringIO())
    rotated = out.getvalue().strip().split("\t")[1]
    assert rotated != secret
    assert send("SMK-0", rotated, {"kind": "heartbeat"}).status_code == 200
    assert send("SMK-0", secret, {"kind": "heartbeat"}).status_code == 200
    call_command("iot_keys", "rotate", "SMK-0", "--grace-hours", "0", stdout=out, stderr=StringIO())
    assert send("SMK-0", rotated, {"kind": "heartbeat"}).status_code == 401
    assert send("SMK-0", secret, {"kind": "heartbeat"}).status_code == 401


# ---- heartbeats, offline, battery ---------------------------------------------------------------------


def test_the_sweep_marks_silent_devices_offline_in_one_update_and_a_heartbeat_brings_them_back(
        district: District, settings):
    settings.GEOGOV_IOT_OFFLINE_MINUTES = 60
    now = timezone.now()
    silent, secret = device(district, "SMK-SILENT", last_heartbeat=now - dt.timedelta(minutes=61))
    recent, _ = device(district, "SMK-RECENT", last_heartbeat=now - dt.timedelta(minutes=59))
    never, _ = device(district, "SMK-NEVER")
    DeviceKey.objects.filter(sensor=never).update(issued_at=now - dt.timedelta(hours=2))
    fresh, _ = device(district, "SMK-FRESH")  # never heard, key just issued
    alarming, _ = device(district, "SMK-ALARM", status="alarm", last_heartbeat=now - dt.timedelta(days=3))
    keyless = add_sensor(district, "CAM-1", kind="camera", last_heartbeat=now - dt.timedelta(days=3))
    with CaptureQueriesContext(connection) as queries:
        assert mark_offline(now) == 2
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]
    statuses = dict(Sensor.objects.values_list("device_id", "status"))
    assert statuses == {"SMK-SILENT": "offline", "SMK-RECENT": "online", "SMK-NEVER": "offline",
                        "SMK-FRESH": "online", "SMK-ALARM": "alarm", "CAM-1": "online"}
    assert mark_offline(now) == 0
    assert send("SMK-SILENT", secret, {"kind": "heartbeat"}).status_code == 200
    assert reload(silent).status == "online" and reload(recent).status == "online"
    assert reload(keyless).status == "online" and reload(fresh).status == "online" and reload(alarming)
    out = StringIO()
    call_command("iot_sweep", stdout=out)
    assert out.getvalue().startswith("offline: 0 (silent > 60 min), alarm cases closed as handled: 0")


def test_a_battery_under_the_threshold_is_flagged_once_with_an_event_and_a_notification(district: District):
    sensor, secret = device(district, battery=90)
    answers = [send("SMK-B1", secret, body).json() for body in (
        {"kind": "battery", "battery": 25}, {"kind": "battery", "battery": 19}, {"kind": "heartbeat", "battery": 12},
        {"kind": "heartbeat"}, {"kind": "battery", "battery": 95}, {"kind": "heartbeat", "battery": 5})]
    assert [a["low_battery"] for a in answers] == [False, True, True, True, False, True]
    events = SensorEvent.objects.filter(sensor=sensor, kind="battery").order_by("id")
    assert [e.payload for e in events] == [{"event": "low_battery", "battery": 19, "threshold": 20},
                                           {"event": "low_battery", "battery": 5, "threshold": 20}]
    assert reload(sensor).battery == 5
    notes = Notification.objects.filter(kind="low_battery")
    assert sorted(notes.values_list("user__username", flat=True)) == ["worker11", "worker11"]
    assert notes.first().body == "设备 SMK-B1 电量 5%，低于 20%，请及时更换电池"


# ---- alarms ----------------------------------------------------------------------------------------------


def test_an_alarm_opens_one_urgent_case_at_the_building_lists_the_vulnerable_and_notifies_the_worker(
        api, district: District):
    sensor, secret = device(district)
    response = send("SMK-B1", secret, {"kind": "alarm", "reason": "smoke"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["new_case"], body["repeats"], body["outcome"]) == (True, 0, None)
    incident = Incident.objects.get()
    assert body["incident"] == incident.pk
    assert (incident.source, incident.status, incident.building, incident.grid) == (
        "iot", "reported", district.b1, district.grid11)
    assert incident.title == "【紧急】烟感告警 西一路1号" and incident.category == "消防安全/烟感告警"
    assert incident.deadline - incident.reported_at <= dt.timedelta(days=4)  # one working day (weekends aside)
    assert "独居老人1人、残疾人0人" in incident.description
    assert IncidentTransition.objects.get(incident=incident).data["urgent"] is True
    assert reload(sensor).status == "alarm"
    case = AlarmCase.objects.get()
    assert (case.sensor, case.grid, case.kind, case.vulnerable) == (
        sensor, district.grid11, "alarm", {"elderly_alone": 1, "disabled": 0})
    # the responders' list: the elderly resident living alone, masked
    responders = api("worker11").get(f"/api/iot/alarms/{incident.pk}/responders/").json()
    assert [(r["name"], r["care_tags"], r["unit"], r["floor"], r["room"]) for r in responders["residents"]] == [
        ("赵老", ["elderly_alone"], 1, 2, "201")]
    resident = responders["residents"][0]
    assert "*" in resident["phone_masked"] and "*" in resident["id_number_masked"] and "phone" not in resident
    assert (responders["building_code"], responders["counts"]) == ("B1", {"elderly_alone": 1, "disabled": 0})
    assert responders["grid_workers"] == [{"name": "王网格", "phone": "13700000011", "kind": "full_time"}]
    # the grid worker on call is notified, and only they see it
    assert list(Notification.objects.values_list("user__username", "kind", "incident")) == [
        ("worker11", "alarm", incident.pk)]
    mine = api("worker11").get("/api/iot/notifications/?unread=1").json()
    assert [(n["kind"], n["incident_code"], n["device_id"]) for n in mine["results"]] == [
        ("alarm", incident.code, "SMK-B1")]
    assert api("town1").get("/api/iot/notifications/").json()["count"] == 0
    note = mine["results"][0]["id"]
    assert api("town1").post(f"/api/iot/notifications/{note}/read/").status_code == 404
    assert api("worker11").post(f"/api/iot/notifications/{note}/read/").json()["read_at"] is not None
    assert api("worker11").get("/api/iot/notifications/?unread=1").json()["count"] == 0


def test_a_building_with_a_disabled_resident_lists_them_and_a_grid_without_workers_notifies_the_village(
        api, district: District):
    sensor, secret = device(district, "SMK-B2", "b2")
    incident = Incident.objects.get(pk=send("SMK-B2", secret, {"kind": "alarm"}).json()["incident"])
    assert AlarmCase.objects.get().vulnerable == {"elderly_alone": 0, "disabled": 1}
    names = [r["name"] for r in api("village1").get(f"/api/iot/alarms/{incident.pk}/responders/").json()["residents"]]
    assert names == ["钱五"]
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["village1"]


def test_a_repeated_alarm_while_the_case_is_open_is_appended_not_a_new_case(district: District):
    sensor, secret = device(district)
    first = send("SMK-B1", secret, {"kind": "alarm"}).json()
    again = [send("SMK-B1", secret, {"kind": "alarm"}) for _ in range(2)]
    assert [r.status_code for r in again] == [200, 200]
    assert [r.json()["new_case"] for r in again] == [False, False]
    assert {r.json()["incident"] for r in again} == {first["incident"]}
    assert Incident.objects.count() == 1 and Notification.objects.count() == 1
    case = AlarmCase.objects.get()
    assert case.repeats == 2
    assert [e.payload.get("repeat") for e in SensorEvent.objects.filter(kind="alarm").order_by("id")] == [None, 1, 2]
    # once the workflow has closed the case, the next alarm is a new case
    Incident.objects.filter(pk=first["incident"]).update(status="resolved", closed_at=timezone.now())
    later = send("SMK-B1", secret, {"kind": "alarm"})
    assert later.status_code == 201 and later.json()["incident"] != first["incident"]
    assert list(AlarmCase.objects.order_by("id").values_list("outcome", flat=True)) == ["real", None]


def test_a_test_alarm_is_closed_as_a_test_at_once_without_paging_anyone(district: District):
    sensor, secret = device(district)
    response = send("SMK-B1", secret, {"kind": "test"})
    assert response.status_code == 201 and response.json()["outcome"] == "test"
    incident = Incident.objects.get()
    assert (incident.status, incident.title) == ("rejected", "【测试】烟感告警 西一路1号")
    assert incident.closed_at is not None and incident.version == 2
    log = list(IncidentTransition.objects.filter(incident=incident).order_by("id")
               .values_list("action", "from_status", "to_status", "user", "note"))
    assert log == [("report", "", "reported", None, ""),
                   ("iot_test", "reported", "rejected", None, "测试告警，自动关闭")]
    assert reload(sensor).status == "online" and Notification.objects.count() == 0
    assert list(SensorEvent.objects.values_list("kind", flat=True)) == ["test"]


def test_a_false_alarm_is_closed_by_an_operator_with_a_reason_or_by_the_device_before_anyone_acts(
        api, district: District):
    sensor, secret = device(district)
    incident_id = send("SMK-B1", secret, {"kind": "alarm"}).json()["incident"]
    url = f"/api/iot/alarms/{incident_id}/false-alarm/"
    assert api("worker11").post(url, {}, format="json").status_code == 400  # a reason is required
    assert api("viewer1").post(url, {"reason": "x"}, format="json").status_code == 403
    assert api("town2").post(url, {"reason": "x"}, format="json").status_code == 404
    closed = api("worker11").post(url, {"reason": "厨房油烟"}, format="json")
    assert closed.status_code == 200 and closed.json()["outcome"] == "false"
    assert Incident.objects.get(pk=incident_id).status == "rejected" and reload(sensor).status == "online"
    entry = IncidentTransition.objects.get(incident_id=incident_id, action="iot_false_alarm")
    assert (entry.user.username, entry.note, entry.data) == ("worker11", "误报：厨房油烟",
                                                             {"outcome": "false", "reason": "厨房油烟"})
    assert api("worker11").post(url, {"reason": "again"}, format="json").status_code == 400
    # whoever was paged is told the alarm is over
    assert list(Notification.objects.order_by("id").values_list("user__username", "kind", "body")) == [
        ("worker11", "alarm", Notification.objects.get(kind="alarm").body),
        ("worker11", "alarm_closed", f"{Incident.objects.get(pk=incident_id).code} 误报：厨房油烟")]
    # the device's own false_alarm closes a case nobody has taken up yet ...
    second = send("SMK-B1", secret, {"kind": "alarm"}).json()["incident"]
    assert send("SMK-B1", secret, {"kind": "false_alarm"}).json()["outcome"] == "false"
    assert Incident.objects.get(pk=second).status == "rejected"
    # ... but once a responder has accepted it, it is only noted on the case
    third = send("SMK-B1", secret, {"kind": "alarm"}).json()["incident"]
    Incident.objects.filter(pk=third).update(status="accepted")
    assert send("SMK-B1", secret, {"kind": "false_alarm"}).json() == {
        "kind": "false_alarm", "device": "SMK-B1", "low_battery": False, "incident": third, "outcome": None}
    assert Incident.objects.get(pk=third).status == "accepted" and reload(sensor).status == "alarm"


def test_figures_count_alarms_tests_false_and_real_by_grid_inside_the_area(api, district: District):
    b1, s1 = device(district)
    b2, s2 = device(district, "SMK-B2", "b2", battery=10)
    b3, s3 = device(district, "SMK-B3", "b3")
    send("SMK-B1", s1, {"kind": "test"})
    send("SMK-B1", s1, {"kind": "alarm"})
    send("SMK-B1", s1, {"kind": "alarm"})  # repeats: same case
    send("SMK-B1", s1, {"kind": "alarm"})
    send("SMK-B1", s1, {"kind": "false_alarm"})
    send("SMK-B1", s1, {"kind": "alarm"})  # a new, real one, still open
    send("SMK-B2", s2, {"kind": "alarm"})
    send("SMK-B3", s3, {"kind": "test"})
    figures = api("admin").get("/api/iot/figures/").json()
    assert figures["totals"] == {"alarms": 5, "test": 2, "false": 1, "real": 2, "open": 2, "repeats": 2,
                                 "devices": 3, "online": 1, "offline": 0, "in_alarm": 2, "low_battery": 1}
    # SMK-B1 sits in grid11 and is in alarm again; SMK-B2 (grid12) too
    rows = {g["grid_code"]: g for g in figures["grids"]}
    assert {code: (g["alarms"], g["test"], g["false"], g["real"], g["open"]) for code, g in rows.items()} == {
        "420102001001001": (3, 1, 1, 1, 1), "420102001001002": (1, 0, 0, 1, 1), "420102002001001": (1, 1, 0, 0, 0)}
    assert rows["420102001001002"]["low_battery"] == 1 and rows["420102001001001"]["in_alarm"] == 1
    town2 = api("town2").get("/api/iot/figures/").json()
    assert [g["grid_code"] for g in town2["grids"]] == ["420102002001001"]
    assert (town2["totals"]["alarms"], town2["totals"]["test"], town2["totals"]["devices"]) == (1, 1, 1)
    assert api("town1").get("/api/iot/figures/").json()["totals"]["alarms"] == 4
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert api("admin").get(f"/api/iot/figures/?since={tomorrow}").json()["totals"]["alarms"] == 0
    assert api("admin").get(f"/api/iot/figures/?until={tomorrow}").json()["totals"]["alarms"] == 5
    assert api("admin").get("/api/iot/figures/?since=yesterday").status_code == 400
    assert api("nobody").get("/api/iot/figures/").json()["totals"]["alarms"] == 0


def test_alarm_cases_of_another_town_are_invisible(api, district: District):
    sensor, secret = device(district, "SMK-B3", "b3")
    incident_id = send("SMK-B3", secret, {"kind": "alarm"}).json()["incident"]
    assert api("town1").get(f"/api/iot/alarms/{incident_id}/responders/").status_code == 404
    assert api("worker11").get(f"/api/iot/alarms/{incident_id}/responders/").status_code == 404
    assert api("town2").get(f"/api/iot/alarms/{incident_id}/responders/").status_code == 200
    assert api("town2").get(f"/api/iot/alarms/{incident_id}/responders/").json()["residents"] == []
    # the east grid's worker has no login and its village no operator: the town's operator is told
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["town2"]
    # an incident that is no alarm case has no responders list
    other = Incident.objects.create(code="SJX1", title="x", category="城市管理/占道经营", source="web",
                                    location=Point(114.3005, 30.1005, srid=4326), reported_at=timezone.now())
    assert api("admin").get(f"/api/iot/alarms/{other.pk}/responders/").status_code == 404


def test_the_sweep_closes_cases_the_workflow_finished_as_real_and_puts_the_device_back_online(district: District):
    sensor, secret = device(district)
    incident_id = send("SMK-B1", secret, {"kind": "alarm"}).json()["incident"]
    assert sweep()["cases_closed"] == 0
    Incident.objects.filter(pk=incident_id).update(status="resolved", closed_at=timezone.now())
    assert sweep()["cases_closed"] == 1
    assert AlarmCase.objects.get().outcome == "real" and reload(sensor).status == "online"


# ---- coverage -------------------------------------------------------------------------------------------


def elderly(name: str, born: int = 1940) -> tuple[str, str, dt.date, list[str]]:
    return (name, "F", dt.date(born, 1, 1), ["elderly_alone"])


@pytest.fixture
def coverage_fixture(district: District) -> District:
    """Elderly-alone households: B1-1-201 (fixture, 赵老) with its own detector online → covered; B1-1-301 with
    two elderly residents and no detector of its own (B1's only detector belongs to 201) → none; B2-0-201 with a
    building detector offline → offline; B3-1-401 with a building detector online → covered. A camera, an
    offline gas detector and a detector of a non-elderly household count for nothing."""
    b1_201 = Household.objects.get(code="B1-1-201")
    unit = b1_201.unit
    add_household(district.b1, unit, "301", "red", [elderly("吴老"), elderly("郑老", 1942)])
    add_household(district.b2, None, "201", "red", [elderly("冯老")])
    add_household(district.b3, district.b3.units.get(), "401", "red", [elderly("陈老")])
    add_sensor(district, "SMK-201", household=b1_201)
    add_sensor(district, "SMK-101", household=Household.objects.get(code="B1-1-101"))
    add_sensor(district, "SMK-B2", "b2", status="offline")
    add_sensor(district, "GAS-B1", kind="gas")
    add_sensor(district, "SMK-B3", "b3")
    add_sensor(district, "CAM-B2", "b2", kind="camera")
    return district


def test_coverage_counts_elderly_alone_households_without_a_working_detector_by_grid(api, coverage_fixture):
    report = api("admin").get("/api/iot/coverage/").json()
    assert report["totals"] == {"households": 4, "covered": 2, "uncovered": 2, "no_detector": 1,
                                "detector_offline": 1}
    rows = [(g["grid_code"], g["households"], g["covered"], g["uncovered"], g["no_detector"], g["detector_offline"])
            for g in report["grids"]]
    assert rows == [("420102001001001", 2, 1, 1, 1, 0), ("420102001001002", 1, 0, 1, 0, 1),
                    ("420102002001001", 1, 1, 0, 0, 0)]
    assert report["grids"][0]["uncovered_households"] == [
        {"household": "B1-1-301", "building": "B1", "address": "西一路1号", "floor": 3, "room": "301",
         "elderly_alone": 2, "state": "none"}]
    assert [h["state"] for h in report["grids"][1]["uncovered_households"]] == ["offline"]
    # scoped: each town sees its own grids only; no profile, nothing
    assert [g["grid_code"] for g in api("town2").get("/api/iot/coverage/").json()["grids"]] == ["420102002001001"]
    assert api("town1").get("/api/iot/coverage/").json()["totals"]["households"] == 3
    assert api("nobody").get("/api/iot/coverage/").json() == {
        "totals": {"households": 0, "covered": 0, "uncovered": 0, "no_detector": 0, "detector_offline": 0},
        "grids": []}
    # the offline detector comes back: that household is covered
    Sensor.objects.filter(device_id="SMK-B2").update(status="online")
    assert api("town1").get("/api/iot/coverage/").json()["totals"]["uncovered"] == 1


def test_iot_coverage_command_prints_the_same_counts(coverage_fixture):
    out = StringIO()
    call_command("iot_coverage", "--area", "420102001", "--list", stdout=out)
    assert out.getvalue().splitlines() == [
        "grid\thouseholds\tcovered\tuncovered\tno_detector\tdetector_offline\tname",
        "420102001001001\t2\t1\t1\t1\t0\t西一第一网格",
        "  B1-1-301\t西一路1号\tnone",
        "420102001001002\t1\t0\t1\t0\t1\t西一第二网格",
        "  B2-0-201\t西一路2号\toffline",
        "total\t3\t1\t2\t1\t1",
    ]


# ---- the manual sender against a running server ----------------------------------------------------------


def test_iot_send_signs_and_posts_to_a_running_server(live_server, district: District):
    sensor, secret = device(district, status="offline")
    out = StringIO()
    call_command("iot_send", "SMK-B1", "heartbeat", "--battery", "70", "--url", live_server.url,
                 "--nonce", "manual-0001", stdout=out)
    assert out.getvalue().startswith('200 {"kind": "heartbeat", "device": "SMK-B1", "low_battery": false}')
    assert (reload(sensor).status, sensor.battery) == ("online", 70)
    out = StringIO()
    call_command("iot_send", "SMK-B1", "heartbeat", "--url", live_server.url, "--nonce", "manual-0001", stdout=out)
    assert out.getvalue().startswith("409 ")
    out = StringIO()
    call_command("iot_send", "SMK-B1", "heartbeat", "--url", live_server.url, "--secret", "0" * 64, stdout=out)
    assert out.getvalue().startswith("401 ")
    with pytest.raises(CommandError, match="no key for device"):
        call_command("iot_send", "SMK-NOPE", "heartbeat", "--url", live_server.url)


def test_device_answers_follow_the_requested_language(district: District):
    sensor, secret = device(district)
    raw = b'{"kind": "heartbeat"}'
    headers = {**signing.signed_headers("SMK-B1", "0" * 64, raw), "Accept-Language": "en"}
    response = Client().post("/iot/v1/events", data=raw, content_type="application/json", headers=headers)
    assert response.json()["detail"] == "Invalid signature or unregistered device"
    headers = {**signing.signed_headers("SMK-B1", secret, b"[]"), "Accept-Language": "en"}
    response = Client().post("/iot/v1/events", data=b"[]", content_type="application/json", headers=headers)
    assert response.json() == {"detail": "Body must be a UTF-8 JSON object", "field": "body"}


# ---- concurrency: real parallel requests on their own connections ------------------------------------------


def in_parallel(*requests) -> list:
    """Run each zero-argument callable in its own thread (its own database connection), started together."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index: int, request) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_alarms_at_once_from_one_device_open_one_case(transactional_db, district: District):
    sensor, secret = device(district)
    responses = in_parallel(*[lambda: send("SMK-B1", secret, {"kind": "alarm"})] * 3)
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    assert Incident.objects.count() == 1 and AlarmCase.objects.get().repeats == 2
    assert Notification.objects.count() == 1


def test_the_same_nonce_twice_at_once_is_accepted_once(transactional_db, district: District):
    sensor, secret = device(district)
    at = timezone.now()
    responses = in_parallel(*[lambda: send("SMK-B1", secret, {"kind": "alarm"}, at=at, nonce="race-nonce-1")] * 2)
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert Incident.objects.count() == 1 and Nonce.objects.count() == 1


def test_the_admin_lists_device_keys_without_their_salts(district: District):
    sensor, secret = device(district)
    client = Client()
    client.force_login(district.users["admin"])
    page = client.get("/admin/iot/devicekey/")
    assert page.status_code == 200
    html = page.content.decode()
    key = DeviceKey.objects.get()
    assert key.fingerprint in html and key.salt not in html and secret not in html
    change = client.get(f"/admin/iot/devicekey/{key.pk}/change/").content.decode()
    assert key.fingerprint in change and key.salt not in change
    assert client.get("/admin/iot/alarmcase/").status_code == 200
    assert client.get("/admin/iot/notification/").status_code == 200


def test_an_alarm_reaches_the_live_feed_as_the_sensor_in_alarm_and_the_new_case(transactional_db, district: District):
    from live import stream

    sensor, secret = device(district)
    listening = stream.listen_connection()
    try:
        incident_id = send("SMK-B1", secret, {"kind": "alarm"}).json()["incident"]
        messages = [json.loads(n.payload) for n in listening.notifies(timeout=15, stop_after=2)]
    finally:
        listening.close()
    code = Incident.objects.get(pk=incident_id).code
    assert sorted((m["kind"], m["code"], m["status"], m["building"], m["grid"]) for m in messages) == [
        ("incident", code, "reported", "B1", district.grid11.code),
        ("sensor", "SMK-B1", "alarm", "B1", district.grid11.code)]


def test_a_gas_detector_alarm_is_a_gas_case(district: District):
    sensor, secret = device(district, "GAS-B1", kind="gas")
    assert send("GAS-B1", secret, {"kind": "alarm"}).status_code == 201
    incident = Incident.objects.get()
    assert (incident.category, incident.title) == ("消防安全/燃气泄漏告警", "【紧急】燃气告警 西一路1号")
    assert incident.description.startswith("设备 GAS-B1 报告可燃气体浓度超限。")


def test_the_device_list_shows_status_battery_and_key_inside_the_area(api, district: District):
    b1, _ = device(district, battery=15)
    b3, _ = device(district, "SMK-B3", "b3", status="offline", battery=60)
    add_sensor(district, "CAM-B1", kind="camera")
    listed = api("admin").get("/api/iot/devices/").json()["results"]
    assert [(d["device_id"], d["status"], d["low_battery"], d["grid_code"], d["building_code"]) for d in listed] == [
        ("CAM-B1", "online", False, district.grid11.code, "B1"), ("SMK-B1", "online", True, district.grid11.code, "B1"),
        ("SMK-B3", "offline", False, district.grid21.code, "B3")]
    assert listed[0]["key_fingerprint"] is None and listed[1]["key_fingerprint"] == b1.iot_key.fingerprint
    assert [d["device_id"] for d in api("admin").get("/api/iot/devices/?low_battery=1").json()["results"]] == [
        "SMK-B1"]
    assert [d["device_id"] for d in api("admin").get("/api/iot/devices/?status=offline").json()["results"]] == [
        "SMK-B3"]
    assert [d["device_id"] for d in api("admin").get("/api/iot/devices/?kind=camera").json()["results"]] == [
        "CAM-B1"]
    assert [d["device_id"] for d in api("town2").get("/api/iot/devices/").json()["results"]] == ["SMK-B3"]
    assert api("nobody").get("/api/iot/devices/").json()["count"] == 0
