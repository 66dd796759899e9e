"""Area figures for the side panel and the 大屏 summary: recounted from the fixture, scoped, bounded queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from layers.models import Building, Grid, GridWorker, Household, Incident, Resident, Sensor
from tests.conftest import District, add_household

pytestmark = pytest.mark.django_db

OPEN = {"reported", "accepted", "dispatched", "in_progress", "supervised"}
COUNTY, TOWN1, TOWN2 = "420102000000", "420102001000", "420102002000"
VILLAGE1, VILLAGE2 = "420102001001", "420102002001"
GRID11, GRID12, GRID21 = "420102001001001", "420102001001002", "420102002001001"
# division code → the code prefix of what lies inside it
PREFIX = {COUNTY: "420102", TOWN1: "420102001", VILLAGE1: VILLAGE1, VILLAGE2: VILLAGE2}


@dataclass
class Events:
    incidents: list[Incident]
    sensors: list[Sensor]


def add_incident(grid: Grid, n: int, status: str, reported: dt.datetime, deadline: dt.datetime | None) -> Incident:
    centre = grid.boundary.centroid
    return Incident.objects.create(
        code=f"E{grid.code[-4:]}{n:03d}", title=f"事件{n}", category="市容环境/占道经营", source="grid_worker",
        status=status, location=Point(centre.x, centre.y, srid=4326), grid=grid, reported_at=reported,
        deadline=deadline, closed_at=reported + dt.timedelta(hours=1) if status not in OPEN else None)


@pytest.fixture
def events(district: District) -> Events:
    now = timezone.now()
    past, future = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    plan = [  # grid, status, reported (days ago), deadline
        (district.grid11, "reported", 0, past), (district.grid11, "in_progress", 3, future),
        (district.grid11, "resolved", 0, past), (district.grid11, "supervised", 10, None),
        (district.grid21, "dispatched", 2, past), (district.grid21, "archived", 5, None),
        *[(district.grid12, "accepted", 20 + i, future) for i in range(7)],
    ]
    incidents = [add_incident(grid, i, status, now - dt.timedelta(days=ago, minutes=i if ago else 0), deadline)
                 for i, (grid, status, ago, deadline) in enumerate(plan)]
    sensors = [Sensor.objects.create(device_id=f"S{i}", kind="smoke", status=status, grid=grid,
                                     location=grid.boundary.centroid)
               for i, (grid, status) in enumerate([(district.grid11, "online"), (district.grid11, "alarm"),
                                                   (district.grid12, "online"), (district.grid21, "offline")])]
    return Events(incidents, sensors)


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def recount(prefix: str, district: District, events: Events) -> dict:
    """The figures of everything whose grid code starts with ``prefix``, counted in Python from the rows."""
    today = timezone.localdate()
    residents = [r for r in Resident.objects.select_related("household__building__grid")
                 if r.household.building.grid.code.startswith(prefix)]
    households = [h for h in Household.objects.select_related("building__grid")
                  if h.building.grid.code.startswith(prefix)]
    bands: dict[int, dict[str, int]] = {i: {"M": 0, "F": 0} for i in range(10)}
    for r in residents:
        bands[min(age_on(r.birth_date, today) // 10, 9)][r.sex] += 1
    inside = [i for i in events.incidents if i.grid.code.startswith(prefix)]
    still_open = [i for i in inside if i.status in OPEN]
    now = timezone.now()
    return {
        "residents": len(residents),
        "households": len(households),
        "tiers": {t: sum(h.tier == t for h in households) for t in ("green", "yellow", "red")},
        "bands": [bands[i] for i in range(10)],
        "elderly_alone": sum("elderly_alone" in r.care_tags for r in residents),
        "disabled": sum("disabled" in r.care_tags for r in residents),
        "open": len(still_open),
        "overdue": sum(i.deadline is not None and i.deadline < now for i in still_open),
        "by_status": {s: sum(i.status == s for i in still_open) for s in OPEN},
        "latest": [i.code for i in sorted(still_open, key=lambda i: i.reported_at, reverse=True)[:5]],
        "workers": GridWorker.objects.filter(grid__code__startswith=prefix).count(),
        "today": sum(timezone.localdate(i.reported_at) == today for i in inside),
    }


def assert_matches(body: dict, expected: dict) -> None:
    assert body["residents"] == expected["residents"]
    assert body["households"] == expected["households"]
    assert body["tiers"] == expected["tiers"]
    assert [{"M": row["M"], "F": row["F"]} for row in body["age_structure"]] == expected["bands"]
    assert sum(row["M"] + row["F"] for row in body["age_structure"]) == body["residents"]
    assert body["care_tags"]["elderly_alone"] == expected["elderly_alone"]
    assert body["care_tags"]["disabled"] == expected["disabled"]
    incidents = body["incidents"]
    assert incidents["open"] == expected["open"]
    assert incidents["overdue"] == expected["overdue"]
    assert incidents["by_status"] == expected["by_status"]
    assert [row["code"] for row in incidents["latest"]] == expected["latest"]
    assert body["worker_count"] == expected["workers"]


@pytest.mark.parametrize("code", [COUNTY, TOWN1, VILLAGE1, VILLAGE2])
def test_division_figures_equal_a_recount(api, district: District, events: Events, code: str):
    body = api("admin").get(f"/api/divisions/{code}/figures/").json()
    assert body["code"] == code and body["kind"] == "division"
    assert body["grids"] == Grid.objects.filter(code__startswith=PREFIX[code]).count()
    assert_matches(body, recount(PREFIX[code], district, events))


def test_division_figures_are_not_trivial(api, district: District, events: Events):
    body = api("admin").get(f"/api/divisions/{COUNTY}/figures/").json()
    assert body["residents"] == len(district.residents) == 7
    assert body["households"] == 4 and body["tiers"] == {"green": 2, "yellow": 1, "red": 1}
    assert body["incidents"]["open"] == 11 and body["incidents"]["overdue"] == 2
    assert body["worker_count"] == 2
    bands = {row["band"]: row for row in body["age_structure"]}
    assert list(bands) == ["0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+"]


@pytest.mark.parametrize("code", [GRID11, GRID12, GRID21])
def test_grid_figures_equal_a_recount(api, district: District, events: Events, code: str):
    body = api("admin").get(f"/api/grids/{code}/figures/").json()
    assert body["code"] == code and body["kind"] == "grid"
    assert_matches(body, recount(code, district, events))
    workers = list(GridWorker.objects.filter(grid__code=code).values("name", "phone", "kind"))
    assert body["workers"] == workers


def test_latest_incidents_are_five_newest_with_overdue_flag(api, district: District, events: Events):
    latest = api("town1").get(f"/api/grids/{GRID12}/figures/").json()["incidents"]["latest"]
    assert len(latest) == 5
    assert set(latest[0]) == {"code", "title", "status", "reported_at", "deadline", "overdue"}
    overdue = api("town1").get(f"/api/grids/{GRID11}/figures/").json()["incidents"]["latest"]
    assert [row["overdue"] for row in overdue] == [True, False, False]


@pytest.mark.parametrize(("username", "expected"), [
    ("admin", [COUNTY, TOWN1, VILLAGE1]),
    ("town1", [TOWN1, VILLAGE1]),
    ("village1", [VILLAGE1]),
    ("worker11", []),
])
def test_grid_parents_are_those_the_user_may_open(api, district: District, username: str, expected: list[str]):
    body = api(username).get(f"/api/grids/{GRID11}/figures/").json()
    assert [p["code"] for p in body["parents"]] == expected
    assert all(p["kind"] == "division" for p in body["parents"])


def test_division_and_building_parents(api, district: District):
    village = api("admin").get(f"/api/divisions/{VILLAGE1}/figures/").json()
    assert [(p["code"], p["name"]) for p in village["parents"]] == [(COUNTY, "测试区"), (TOWN1, "西街道")]
    building = api("town1").get("/api/buildings/B1/").json()["properties"]
    assert [(p["kind"], p["code"]) for p in building["parents"]] == [
        ("division", TOWN1), ("division", VILLAGE1), ("grid", GRID11)]


@pytest.mark.parametrize(("username", "path"), [
    ("town1", f"/api/divisions/{VILLAGE2}/figures/"),
    ("town1", f"/api/divisions/{COUNTY}/figures/"),
    ("town2", f"/api/divisions/{TOWN1}/figures/"),
    ("worker11", f"/api/divisions/{VILLAGE1}/figures/"),
    ("town1", f"/api/grids/{GRID21}/figures/"),
    ("worker11", f"/api/grids/{GRID12}/figures/"),
    ("nobody", f"/api/grids/{GRID11}/figures/"),
    ("admin", "/api/divisions/999999999999/figures/"),
    ("admin", "/api/divisions/abc/figures/"),
])
def test_figures_outside_the_area_are_404(api, district: District, username: str, path: str):
    response = api(username).get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


SUMMARY_PREFIX = {"admin": "", "county": "420102", "town1": "420102001", "town2": "420102002",
                  "village1": VILLAGE1, "worker11": GRID11}


@pytest.mark.parametrize("username", sorted(SUMMARY_PREFIX))
def test_summary_counters_equal_a_recount(api, district: District, events: Events, username: str):
    prefix = SUMMARY_PREFIX[username]
    expected = recount(prefix, district, events)
    sensors = [s for s in events.sensors if s.grid.code.startswith(prefix)]
    body = api(username).get("/api/summary/").json()
    assert body == {
        "grids": Grid.objects.filter(code__startswith=prefix).count(),
        "buildings": Building.objects.filter(grid__code__startswith=prefix).count(),
        "households": expected["households"],
        "residents": expected["residents"],
        "grid_workers": expected["workers"],
        "open_incidents": expected["open"],
        "overdue_incidents": expected["overdue"],
        "incidents_today": expected["today"],
        **{f"sensors_{s}": sum(x.status == s for x in sensors) for s in ("online", "offline", "alarm")},
    }


def test_summary_of_the_whole_district(api, district: District, events: Events):
    body = api("admin").get("/api/summary/").json()
    assert (body["grids"], body["buildings"], body["households"], body["residents"]) == (3, 3, 4, 7)
    assert (body["open_incidents"], body["overdue_incidents"], body["incidents_today"]) == (11, 2, 2)
    assert (body["sensors_online"], body["sensors_alarm"], body["sensors_offline"]) == (2, 1, 1)


def test_summary_of_a_user_without_area_is_zero(api, district: District, events: Events):
    body = api("nobody").get("/api/summary/").json()
    assert set(body.values()) == {0}


def test_summary_needs_login(client, district: District):
    assert client.get("/api/summary/").status_code in (401, 403)


def test_summary_of_a_sub_grid_worker_counts_the_sub_grid_once(api, district: District):
    """A level-2 grid worker: the root of his area is his own grid, not its level-1 parent."""
    from layers.models import Profile, Role
    from tests.conftest import add_user

    sub = Grid.objects.create(code=GRID11 + "01", name="子网格", level=2, division=district.village1,
                              parent=district.grid11, boundary=district.grid11.boundary)
    Building.objects.assign_grids()
    Grid.objects.refresh_figures()
    user = add_user("sub", Role.GRID_WORKER, sub)
    assert Profile.objects.get(user=user).grid == sub
    client = district.client("admin")
    client.force_login(user)
    body = client.get("/api/summary/").json()
    assert (body["grids"], body["households"], body["residents"]) == (1, 2, 4)


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _grow(district: District) -> None:
    building = district.b3
    for i in range(15):
        people = [(f"增{i}{j}", "MF"[j % 2], dt.date(1940 + 7 * j, 3, 1 + i), ["elderly_alone"]) for j in range(4)]
        add_household(building, None, f"5{i:02d}", "red", people)
    Grid.objects.refresh_figures()


def test_query_count_is_the_same_for_a_small_and_a_big_area(api, district: District, events: Events):
    client = api("admin")
    small = _queries(client, f"/api/divisions/{VILLAGE1}/figures/")
    big = _queries(client, f"/api/divisions/{TOWN1}/figures/")
    county = _queries(client, f"/api/divisions/{COUNTY}/figures/")  # no parents: one query fewer
    _grow(district)  # 60 more residents in town 2
    assert _queries(client, f"/api/divisions/{TOWN2}/figures/") == big == small <= 12
    assert _queries(client, f"/api/divisions/{COUNTY}/figures/") == county
    assert _queries(client, f"/api/grids/{GRID11}/figures/") == _queries(client, f"/api/grids/{GRID21}/figures/") <= 10
    assert _queries(api("village1"), "/api/summary/") == _queries(api("county"), "/api/summary/") <= 10


def test_grown_area_figures_stay_consistent(api, district: District):
    _grow(district)
    body = api("town2").get(f"/api/divisions/{VILLAGE2}/figures/").json()
    assert body["residents"] == 2 + 60 == sum(row["M"] + row["F"] for row in body["age_structure"])
    assert body["care_tags"]["elderly_alone"] == 60 and body["tiers"]["red"] == 15
