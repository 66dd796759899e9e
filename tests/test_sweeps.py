"""Periodic sweeps (排查, issue 5): cadences, idempotent scheduling, scoping, findings → cases, overdue rounds."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from incidents.models import IdempotencyKey, IncidentTransition
from layers.models.incidents import Incident
from sweeps import checklists
from sweeps.cadence import CADENCES
from sweeps.models import ChecklistItem, RoundItem, RoundStatus, SweepRound
from sweeps.scheduling import schedule
from sweeps.service import overdue_for
from tests.conftest import District

pytestmark = pytest.mark.django_db
D = dt.date
SHIPPED_ITEMS = {"village": 6, "town": 4, "county": 3}


@pytest.fixture(autouse=True)
def shipped_checklists(db) -> None:
    """The migration loads them; a transactional test earlier in the run flushes every table, so load again."""
    checklists.load(ChecklistItem)


def counts(at: dt.date) -> dict[str, tuple[int, int]]:
    return {row.level: (row.rounds, row.items) for row in schedule(at)}


def round_of(district: District, name: str) -> SweepRound:
    return SweepRound.objects.get(division=getattr(district, name))


def fill(client, sweep: SweepRound, position: int, **data):
    return client.post(f"/api/sweeps/rounds/{sweep.pk}/items/{position}/", data, format="json")


def fill_all_ok(client, sweep: SweepRound, skip=()) -> None:
    for item in sweep.items.exclude(position__in=skip):
        assert fill(client, sweep, item.position, result="ok").status_code == 200


# ---- cadences and scheduling ------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "day", "period"), [
    ("village", D(2026, 12, 3), (D(2026, 11, 30), D(2026, 12, 6))),     # Thursday → its Monday..Sunday
    ("village", D(2026, 11, 29), (D(2026, 11, 23), D(2026, 11, 29))),   # Sunday ends the week
    ("town", D(2026, 11, 29), (D(2026, 11, 16), D(2026, 11, 29))),      # fortnights counted from 2024-01-01
    ("town", D(2026, 11, 30), (D(2026, 11, 30), D(2026, 12, 13))),
    ("county", D(2026, 2, 14), (D(2026, 2, 1), D(2026, 2, 28))),
    ("county", D(2026, 12, 31), (D(2026, 12, 1), D(2026, 12, 31))),     # across the year end
])
def test_periods_of_the_cadences(level, day, period):
    assert CADENCES[level].period(day) == period


def test_scheduling_is_idempotent_across_week_fortnight_and_month_boundaries(district: District):
    v, t, c = SHIPPED_ITEMS["village"], SHIPPED_ITEMS["town"], SHIPPED_ITEMS["county"]
    assert counts(D(2026, 11, 29)) == {"village": (2, 2 * v), "town": (2, 2 * t), "county": (1, c)}
    assert counts(D(2026, 11, 29)) == {"village": (0, 0), "town": (0, 0), "county": (0, 0)}
    # Monday: a new week and a new fortnight, still November
    assert counts(D(2026, 11, 30)) == {"village": (2, 2 * v), "town": (2, 2 * t), "county": (0, 0)}
    # Tuesday 1 December: a new month only
    assert counts(D(2026, 12, 1)) == {"village": (0, 0), "town": (0, 0), "county": (1, c)}
    # the next Monday: a new week, the fortnight goes on
    assert counts(D(2026, 12, 7)) == {"village": (2, 2 * v), "town": (0, 0), "county": (0, 0)}
    assert SweepRound.objects.count() == 5 + 4 + 1 + 2
    village1 = SweepRound.objects.filter(division=district.village1).order_by("period_start")
    assert [(r.period_start, r.due) for r in village1] == [
        (D(2026, 11, 23), D(2026, 11, 29)), (D(2026, 11, 30), D(2026, 12, 6)), (D(2026, 12, 7), D(2026, 12, 13))]
    with pytest.raises(IntegrityError), transaction.atomic():
        SweepRound.objects.create(division=district.village1, level="village", period_start=D(2026, 12, 7),
                                  period_end=D(2026, 12, 13), due=D(2026, 12, 13))


def test_rounds_copy_the_checklist_as_edited_in_the_admin(district: District):
    ChecklistItem.objects.filter(level="town", position=1).update(label="燃气专项检查", category="安全隐患/燃气隐患")
    ChecklistItem.objects.filter(level="town", position=4).update(active=False)
    schedule(D(2026, 12, 1))
    town = round_of(district, "town1")
    assert list(town.items.values_list("position", "label", "result")) == [
        (1, "燃气专项检查", "pending"), (2, "物业服务纠纷", "pending"), (3, "疑似违章搭建", "pending")]


def test_schedule_sweeps_command(district: District):
    out = StringIO()
    call_command("schedule_sweeps", "--at", "2026-12-01", stdout=out)
    assert out.getvalue().splitlines() == [
        "village\t2026-11-30..2026-12-06\trounds +2\titems +12",
        "town\t2026-11-30..2026-12-13\trounds +2\titems +8",
        "county\t2026-12-01..2026-12-31\trounds +1\titems +3"]
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("schedule_sweeps", "--at", "1.12.2026")


# ---- scoping and permissions ------------------------------------------------------------------------------


def test_each_user_lists_the_rounds_of_their_own_level_and_area(district: District, api):
    schedule(D(2026, 12, 1))
    def mine(user):
        response = api(user).get("/api/sweeps/rounds/")
        assert response.status_code == 200
        return sorted(r["division_code"] for r in response.json()["results"])
    assert mine("worker11") == ["420102001001"]
    assert mine("village1") == ["420102001001"]
    assert mine("town1") == ["420102001000"]
    assert mine("town2") == ["420102002000"]
    assert mine("county") == ["420102000000"]
    assert mine("viewer1") == []
    assert mine("nobody") == []
    assert len(mine("admin")) == 5
    first = api("worker11").get("/api/sweeps/rounds/").json()["results"][0]
    assert [i["position"] for i in first["items"]] == [1, 2, 3, 4, 5, 6]
    assert api("worker11").get("/api/sweeps/rounds/?status=submitted").json()["results"] == []
    assert api("worker11").get("/api/sweeps/rounds/?status=nope").status_code == 400


def test_who_may_see_fill_and_submit_a_round(district: District, api):
    schedule(D(2026, 12, 1))
    village1 = round_of(district, "village1")
    url = f"/api/sweeps/rounds/{village1.pk}/"
    assert api("town1").get(url).status_code == 200     # inside the town: seen
    assert api("viewer1").get(url).status_code == 200
    assert api("town2").get(url).status_code == 404     # another town: absent
    assert fill(api("town1"), village1, 1, result="ok").status_code == 403   # not their level
    assert fill(api("viewer1"), village1, 1, result="ok").status_code == 403
    assert fill(api("town2"), village1, 1, result="ok").status_code == 404
    assert api("town1").post(url + "submit/").status_code == 403
    assert fill(api("village1"), village1, 1, result="ok").status_code == 200
    assert fill(api("worker11"), village1, 99, result="ok").status_code == 404
    assert RoundItem.objects.filter(round=village1, result="ok").count() == 1


def test_bad_fills_are_refused(district: District, api):
    schedule(D(2026, 12, 1))
    village1, worker = round_of(district, "village1"), api("worker11")
    cases = [
        ({"result": "maybe"}, "result"),
        ({"result": "finding"}, "note"),
        ({"result": "finding", "note": "堆物", "building_code": "B3"}, "building_code"),   # B3 is in 东一社区
        ({"result": "finding", "note": "堆物", "lon": 114.30, "lat": 30.10}, "location"),  # outside 西一社区
        ({"result": "finding", "note": "堆物", "lon": 114.07}, "lon"),
    ]
    for data, field in cases:
        response = fill(worker, village1, 1, **data)
        assert (response.status_code, response.json()["field"]) == (400, field)
    assert RoundItem.objects.filter(round=village1).exclude(result="pending").count() == 0


# ---- submitting: findings become cases --------------------------------------------------------------------


def test_submit_turns_each_finding_into_one_case_at_its_grid_and_building(district: District, api):
    schedule(D(2026, 12, 1))
    village1, worker = round_of(district, "village1"), api("worker11")
    assert fill(worker, village1, 1, result="finding", note="3楼楼道堆放纸箱", building_code="B1").status_code == 200
    assert fill(worker, village1, 4, result="finding", note="楼上漏水引发争吵",
                lon=114.12, lat=30.12).status_code == 200
    assert fill(worker, village1, 5, result="finding", note="出租屋人员频繁变动").status_code == 200
    fill_all_ok(worker, village1, skip=(1, 4, 5))

    response = worker.post(f"/api/sweeps/rounds/{village1.pk}/submit/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted"
    cases = Incident.objects.filter(sweep_items__round=village1).order_by("sweep_items__position")
    assert [(c.category, c.source, c.grid.code, c.building.code if c.building else None, c.status)
            for c in cases[:2]] == [
        ("安全隐患/消防通道堵塞", "grid_worker", "420102001001001", "B1", "reported"),
        ("矛盾纠纷/邻里纠纷", "grid_worker", "420102001001002", None, "reported")]
    third = cases[2]   # no point, no building: filed at a point on the village's surface, inside one of its grids
    assert (third.category, third.grid.code[:12], third.description) == ("社会治安/可疑人员", "420102001001",
                                                                        "出租屋人员频繁变动")
    assert cases[0].title == "排查发现：楼道、消防通道有无堆物堵塞"
    assert [i["incident_code"] is not None for i in body["items"]] == [True, False, False, True, True, False]
    item1 = RoundItem.objects.get(round=village1, position=1)
    log = IncidentTransition.objects.get(incident=item1.incident, action="report")
    assert log.data["extra"]["sweep"] == {"round": village1.pk, "item": item1.pk, "position": 1,
                                          "level": "village", "division": "420102001001",
                                          "period_start": "2026-11-30"}
    assert log.user == district.users["worker11"]


def test_submitting_again_creates_no_second_case(district: District, api):
    schedule(D(2026, 12, 1))
    village1, worker = round_of(district, "village1"), api("worker11")
    fill(worker, village1, 2, result="finding", note="飞线充电", building_code="B2")
    fill_all_ok(worker, village1, skip=(2,))
    assert worker.post(f"/api/sweeps/rounds/{village1.pk}/submit/").status_code == 200
    assert api("village1").post(f"/api/sweeps/rounds/{village1.pk}/submit/").status_code == 200
    assert Incident.objects.count() == 1
    case = Incident.objects.get()
    assert (case.building.code, case.grid.code) == ("B2", "420102001001002")
    # a crash after the cases were filed but before the round was closed: the retry finds the same case by its key
    RoundItem.objects.filter(round=village1).update(incident=None)
    SweepRound.objects.filter(pk=village1.pk).update(status=RoundStatus.OPEN, submitted_at=None)
    assert api("village1").post(f"/api/sweeps/rounds/{village1.pk}/submit/").status_code == 200
    assert Incident.objects.count() == 1
    assert RoundItem.objects.get(round=village1, position=2).incident == case
    assert IdempotencyKey.objects.filter(client="sweeps", incident=case).count() == 1
    assert fill(worker, village1, 1, result="ok").status_code == 400   # a submitted round is closed


def test_a_round_with_unchecked_items_is_not_submitted(district: District, api):
    schedule(D(2026, 12, 1))
    village1, worker = round_of(district, "village1"), api("worker11")
    fill_all_ok(worker, village1, skip=(3, 6))
    response = worker.post(f"/api/sweeps/rounds/{village1.pk}/submit/")
    assert (response.status_code, response.json()["field"]) == (400, "items")
    assert "3, 6" in response.json()["detail"]
    assert SweepRound.objects.get(pk=village1.pk).status == "open"


def test_town_and_county_sweeps_file_their_findings_too(district: District, api):
    schedule(D(2026, 12, 1))
    town1, town = round_of(district, "town1"), api("town1")
    fill(town, town1, 3, result="finding", note="屋顶加建", building_code="B1")
    fill_all_ok(town, town1, skip=(3,))
    assert town.post(f"/api/sweeps/rounds/{town1.pk}/submit/").status_code == 200
    case = Incident.objects.get()
    assert (case.category, case.building.code, case.source) == ("城市管理/违章搭建", "B1", "grid_worker")


# ---- overdue rounds, for the level above ------------------------------------------------------------------


def test_overdue_rounds_are_listed_for_the_level_above(district: District, api):
    schedule(D(2026, 11, 23))   # village week ends 11-29, town fortnight 11-29, county month 11-30
    users = district.users
    def overdue(user, today):
        return sorted(r.division.code for r in overdue_for(users[user], today))
    assert overdue("town1", D(2026, 11, 29)) == []                     # due today is not overdue
    assert overdue("town1", D(2026, 11, 30)) == ["420102001001"]
    assert overdue("town2", D(2026, 11, 30)) == ["420102002001"]
    assert overdue("county", D(2026, 11, 30)) == ["420102001000", "420102002000"]
    assert overdue("village1", D(2026, 11, 30)) == []
    assert overdue("worker11", D(2026, 11, 30)) == []
    assert overdue("admin", D(2026, 12, 1)) == ["420102000000", "420102001000", "420102001001", "420102002000",
                                                 "420102002001"]
    village1 = round_of(district, "village1")
    fill_all_ok(api("worker11"), village1)
    assert api("worker11").post(f"/api/sweeps/rounds/{village1.pk}/submit/").status_code == 200
    assert overdue("town1", D(2026, 11, 30)) == []
    listed = api("county").get("/api/sweeps/overdue/")   # today is later than November 2026 in any test run
    assert listed.status_code == 200
    assert sorted(r["division_code"] for r in listed.json()["results"]) == ["420102001000", "420102002000"]


def test_english_labels_and_messages(district: District, api):
    from django.conf import settings

    schedule(D(2026, 12, 1))
    village1, worker = round_of(district, "village1"), api("worker11")
    worker.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert fill(worker, village1, 1, result="finding").json()["detail"] == "a finding needs a note"
    admin = api("admin")
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = admin.get("/admin/sweeps/sweepround/").content.decode()
    assert "Sweep round" in page and "Due date" in page and "排查轮次" not in page


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_file_each_finding_once(district: District):
    schedule(D(2026, 12, 1))
    village1, worker = round_of(district, "village1"), district.client("worker11")
    fill(worker, village1, 1, result="finding", note="楼道堆物", building_code="B1")
    fill(worker, village1, 4, result="finding", note="噪音纠纷", lon=114.12, lat=30.12)
    fill_all_ok(worker, village1, skip=(1, 4))
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def submit(username: str) -> None:
        try:
            client = district.client(username)
            barrier.wait()
            codes.append(client.post(f"/api/sweeps/rounds/{village1.pk}/submit/").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("worker11", "village1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200, 200]
    assert Incident.objects.count() == 2
    assert sorted(RoundItem.objects.filter(incident__isnull=False).values_list("position", flat=True)) == [1, 4]
