"""Live alarms: PostgreSQL triggers → NOTIFY → the /live/events/ Server-Sent Events stream.

The stream tests read the real endpoint of the live test server over a socket in a thread,
while the test (another database connection) commits incidents and alarms.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from layers.models import Incident, Sensor, SensorEvent
from layers.models.sensors import SensorKind, SensorStatus
from live import stream
from live.alarms import ALARM_CATEGORY, raise_alarm
from tests.conftest import District

ROOT = Path(__file__).resolve().parent.parent
WAIT = 15  # seconds: a safety bound on waits, not a timing assertion

pytestmark = pytest.mark.django_db(transaction=True)


def add_smoke_sensor(district: District, building_name: str = "b1", device_id: str | None = None) -> Sensor:
    """A smoke detector in the middle of a fixture building, placed by the sensor queryset's rules."""
    building = getattr(district, building_name)
    sensor = Sensor.objects.create(device_id=device_id or f"SMOKE-{building.code}", kind=SensorKind.SMOKE,
                                   location=building.footprint.centroid, status=SensorStatus.ONLINE)
    placed = Sensor.objects.filter(pk=sensor.pk)
    placed.assign_buildings()
    placed.assign_grids()
    sensor.refresh_from_db()
    return sensor


def add_incident(district: District, code: str, lon: float = 114.0705, lat: float = 30.1005) -> Incident:
    return Incident.objects.create(code=code, title="测试事件", category="城市管理/乱堆乱放", source="hotline",
                                   location=Point(lon, lat, srid=4326), reported_at=dt.datetime.now(dt.UTC))


class EventStream:
    """A Server-Sent Events client on a plain socket; a thread parses events into a queue."""

    def __init__(self, base_url: str, user: User | None):
        url = urlparse(base_url)
        cookie = ""
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = f"Cookie: {settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}\r\n"
        self.sock = socket.create_connection((url.hostname, url.port), timeout=60)
        self.sock.sendall(f"GET /live/events/ HTTP/1.0\r\nHost: {url.netloc}\r\nAccept: text/event-stream\r\n"
                          f"{cookie}\r\n".encode())
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        self.headers = {}
        while (line := self.file.readline().decode().strip()):
            name, _, value = line.partition(":")
            self.headers[name.lower()] = value.strip()
        self.events: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        fields: dict = {}
        try:
            for raw in self.file:
                line = raw.decode().rstrip("\n")
                if not line:
                    if fields:
                        self.events.put(fields)
                    fields = {}
                    continue
                name, _, value = line.partition(":")
                fields[name or "comment"] = value.strip()
        except OSError:
            pass
        self.ended.set()

    def next(self, kind: str | None = None) -> dict:
        """The next event (of this kind, skipping comments and others); data parsed as JSON."""
        deadline = time.monotonic() + WAIT
        while True:
            fields = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if "event" in fields and (kind is None or fields["event"] == kind):
                return {**fields, "data": json.loads(fields["data"])}

    def wait_ready(self) -> dict:
        """The opening chunk (retry hint): from here on the server is LISTENing."""
        return self.events.get(timeout=WAIT)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


@pytest.fixture
def streams(live_server, monkeypatch):
    """streams(user) → an open EventStream as that user; all closed after the test."""
    monkeypatch.setattr(stream, "LIMITS", stream.StreamLimits(keepalive_seconds=0.5, max_seconds=60))
    opened: list[EventStream] = []

    def open_stream(user: User | None) -> EventStream:
        opened.append(EventStream(live_server.url, user))
        return opened[-1]

    yield open_stream
    for s in opened:
        s.close()
    stream.close_all()  # the server side too, now rather than at its next keep-alive


def live_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
                       [stream.APPLICATION_NAME, settings.DATABASES["default"]["NAME"]])
        return cursor.fetchone()[0]


# --- the stream ----------------------------------------------------------------------------------

def test_stream_receives_an_incident_committed_by_another_connection(streams, district: District):
    s = streams(district.users["town1"])
    assert s.status == 200
    assert s.headers["content-type"].startswith("text/event-stream")
    assert s.headers["cache-control"] == "no-cache" and s.headers["x-accel-buffering"] == "no"
    assert s.wait_ready().get("retry", "").isdigit()

    add_incident(district, "LIVE-1")  # autocommit: committed by the test's own connection
    event = s.next("incident")
    assert int(event["id"]) == event["data"]["id"]
    data = event["data"]
    assert data["code"] == "LIVE-1" and data["op"] == "insert" and data["status"] == "reported"
    # inserted without grid or building: the message still names where it is
    assert data["grid"] == district.grid11.code and data["building"] == "B1"
    assert data["category"] == "城市管理/乱堆乱放"
    assert (data["lon"], data["lat"]) == (114.0705, 30.1005)
    assert data["at"] and data["reported_at"]


def test_a_raised_alarm_sends_the_sensor_and_the_incident(streams, district: District):
    sensor = add_smoke_sensor(district)
    s = streams(district.users["worker11"])
    s.wait_ready()
    incident = raise_alarm(sensor)
    first, second = s.next(), s.next()
    assert first["event"] == "sensor" and second["event"] == "incident"
    assert first["data"] | {"id": 0, "at": 0, "lon": 0, "lat": 0} == {
        "id": 0, "kind": "sensor", "op": "update", "code": sensor.device_id, "status": "alarm",
        "old_status": "online", "sensor_kind": "smoke", "lon": 0, "lat": 0, "grid": district.grid11.code,
        "building": "B1", "at": 0}
    assert second["data"]["code"] == incident.code and second["data"]["category"] == ALARM_CATEGORY
    assert second["data"]["source"] == "iot" and second["data"]["building"] == "B1"


def test_another_towns_stream_does_not_get_the_alarm(streams, district: District):
    town1, town2 = streams(district.users["town1"]), streams(district.users["town2"])
    admin = streams(district.users["admin"])
    for s in (town1, town2, admin):
        s.wait_ready()
    raise_alarm(add_smoke_sensor(district, "b1"))
    assert town1.next("incident")["data"]["grid"] == district.grid11.code
    # town 2's alarm comes after town 1's on the one channel: town 2 must see it first
    raise_alarm(add_smoke_sensor(district, "b3"))
    for kind in ("sensor", "incident"):
        data = town2.next()["data"]
        assert (data["kind"], data["grid"], data["building"]) == (kind, district.grid21.code, "B3")
    assert [admin.next()["data"]["building"] for _ in range(4)] == ["B1", "B1", "B3", "B3"]


def test_messages_without_grid_go_only_to_the_whole_district(streams, district: District):
    town1, admin = streams(district.users["town1"]), streams(district.users["admin"])
    town1.wait_ready()
    admin.wait_ready()
    add_incident(district, "NOWHERE", lon=100.0, lat=20.0)  # outside every grid
    add_incident(district, "INSIDE")
    data = admin.next("incident")["data"]
    assert (data["code"], data["grid"], data["building"]) == ("NOWHERE", None, None)
    assert town1.next("incident")["data"]["code"] == "INSIDE"


def test_users_without_an_area_get_403_and_anonymous_get_401(district: District):
    response = district.client("nobody").get("/live/events/")
    assert response.status_code == 403 and "detail" in response.json()
    anonymous = Client().get("/live/events/")
    assert anonymous.status_code == 401 and "detail" in anonymous.json()


def test_the_stream_ends_in_bounded_time_and_closes_its_connection(live_server, monkeypatch, district: District):
    monkeypatch.setattr(stream, "LIMITS", stream.StreamLimits(keepalive_seconds=0.2, max_seconds=1))
    s = EventStream(live_server.url, district.users["town1"])
    s.wait_ready()
    assert s.ended.wait(WAIT), "the stream did not end"
    s.close()
    assert wait_until(lambda: live_connections() == 0)


def test_a_client_that_goes_away_frees_the_connection(streams, district: District):
    s = streams(district.users["town1"])
    s.wait_ready()
    assert live_connections() == 1
    s.close()
    assert wait_until(lambda: live_connections() == 0)


def test_close_all_ends_the_open_streams_at_once(live_server, district: District):
    s = EventStream(live_server.url, district.users["town1"])  # default limits: 15 s keep-alive
    s.wait_ready()
    assert stream.close_all() == 1
    assert s.ended.wait(WAIT), "the stream did not end"
    assert live_connections() == 0
    s.close()


def test_keep_alive_comments_flow_while_nothing_happens(streams, district: District):
    s = streams(district.users["town1"])
    s.wait_ready()
    assert s.events.get(timeout=WAIT) == {"comment": "keep-alive"}


def wait_until(condition, tries: int = 100) -> bool:
    """Poll a condition (safety bound ~10 s); True as soon as it holds."""
    ready = threading.Event()
    for _ in range(tries):
        if condition():
            return True
        ready.wait(0.1)
    return False


# --- the triggers --------------------------------------------------------------------------------

@pytest.fixture
def listener():
    """A LISTENing connection; drain(marker) → the messages up to the one whose code is marker."""
    conn = stream.listen_connection()

    def drain(marker: str) -> list[dict]:
        received = []
        while not received or received[-1].get("code") != marker:
            batch = list(conn.notifies(timeout=WAIT, stop_after=1))
            assert batch, f"no notification before {marker!r}"
            received += [json.loads(n.payload) for n in batch]
        return received[:-1]

    yield drain
    conn.close()


def test_a_bulk_statement_sends_one_summary(listener, district: District):
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO layers_incident (code, title, description, category, source, status, location, reported_at)
            SELECT 'BULK-' || n, 'bulk', '', '城市管理/乱堆乱放', 'hotline', 'reported',
                   ST_SetSRID(ST_MakePoint(114.07, 30.10), 4326), now()
            FROM generate_series(1, 60) AS n""")
    add_incident(district, "MARK-1")
    assert [(m["kind"], m["table"], m["op"], m["rows"]) for m in listener("MARK-1")] == [
        ("bulk", "layers_incident", "insert", 60)]

    Incident.objects.filter(code__startswith="BULK-").update(status="accepted")
    Incident.objects.filter(code="MARK-1").update(status="accepted")
    assert [(m["kind"], m["op"], m["rows"]) for m in listener("MARK-1")] == [("bulk", "update", 60)]


def test_small_statements_send_one_message_per_changed_row(listener, district: District):
    Incident.objects.bulk_create([
        Incident(code=f"FEW-{n}", title="t", category="c", source="web", location=Point(114.07, 30.10, srid=4326),
                 reported_at=dt.datetime.now(dt.UTC)) for n in range(3)])
    add_incident(district, "MARK-2")
    assert [m["code"] for m in listener("MARK-2")] == ["FEW-0", "FEW-1", "FEW-2"]

    # an update that changes no status is silent; a status change names the old status
    Incident.objects.filter(code__startswith="FEW-").update(title="renamed")
    Incident.objects.filter(code="FEW-1").update(status="dispatched")
    Incident.objects.filter(code="MARK-2").update(status="accepted")
    assert [(m["code"], m["old_status"], m["status"]) for m in listener("MARK-2")] == [
        ("FEW-1", "reported", "dispatched")]


def test_sensor_messages_only_when_the_status_changes(listener, district: District):
    sensor = add_smoke_sensor(district)
    Sensor.objects.filter(pk=sensor.pk).update(battery=80, last_heartbeat=dt.datetime.now(dt.UTC))
    Sensor.objects.filter(pk=sensor.pk).update(status="offline")
    add_incident(district, "MARK-3")
    [message] = listener("MARK-3")
    assert (message["kind"], message["code"], message["status"], message["old_status"]) == (
        "sensor", sensor.device_id, "offline", "online")


# --- simulate_alarm ------------------------------------------------------------------------------

def test_raise_alarm_sets_the_sensor_logs_an_event_and_opens_an_urgent_incident(district: District):
    sensor = add_smoke_sensor(district)
    incident = raise_alarm(sensor)
    sensor.refresh_from_db()
    assert sensor.status == "alarm"
    assert SensorEvent.objects.filter(sensor=sensor, kind="alarm").count() == 1
    assert (incident.source, incident.status, incident.category) == ("iot", "reported", ALARM_CATEGORY)
    assert incident.grid == district.grid11 and incident.building == district.b1
    assert incident.deadline - incident.reported_at <= dt.timedelta(hours=1)


def test_simulate_alarm_command(district: District):
    sensor = add_smoke_sensor(district, "b3")
    call_command("simulate_alarm", sensor=sensor.device_id)
    assert Incident.objects.get(source="iot").building == district.b3
    with pytest.raises(CommandError, match="unknown sensor 'NOPE'"):
        call_command("simulate_alarm", sensor="NOPE")


def run_manage(*args: str) -> subprocess.CompletedProcess:
    """manage.py in a new process against the test database (the committed fixture data)."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "GEOGOV_DATABASE_URL": url}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_simulate_alarm_cli_picks_a_sensor_in_the_area_and_fails_clearly(district: District):
    add_smoke_sensor(district, "b1")
    add_smoke_sensor(district, "b3")
    done = run_manage("simulate_alarm", "--user-area", district.town2.code[:9])
    assert done.returncode == 0, done.stderr
    assert "SMOKE-B3" in done.stdout
    assert Sensor.objects.get(device_id="SMOKE-B3").status == "alarm"
    assert Sensor.objects.get(device_id="SMOKE-B1").status == "online"

    failed = run_manage("simulate_alarm", "--sensor", "NO-SUCH-DEVICE")
    assert failed.returncode != 0
    assert "unknown sensor 'NO-SUCH-DEVICE'" in failed.stderr and "Traceback" not in failed.stderr
