"""The incident workflow (issue 5): every transition and illegal one, deadlines on the working-day calendar,
escalation, supervision (by hand and by the sweep), satisfaction reopening, optimistic locking, scoping."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from incidents import service, workflow
from incidents.calendar import add_working_days, deadline_after, shipped_exceptions, working_days_for
from incidents.models import CalendarDay, IncidentTransition
from incidents.supervision import raise_supervision
from layers.models.incidents import CLOCKED_STATUSES, Incident, IncidentStatus
from tests.conftest import District

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
_codes = iter(range(1, 10_000))


def beijing(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def new_incident(district: District, *, grid: str = "grid11", category: str = "城市管理/占道经营",
                 **fields) -> Incident:
    grid_obj = getattr(district, grid)
    centre = grid_obj.boundary.centroid
    incident = Incident.objects.create(code=f"SJT{next(_codes):06d}", title="流动摊贩占道经营", category=category,
                                       source="grid_worker", location=Point(centre.x, centre.y, srid=4326),
                                       grid=grid_obj, reported_at=timezone.now() - dt.timedelta(hours=1), **fields)
    incident.refresh_from_db()
    return incident


def post(api, user: str, incident: Incident | int, action: str, version: int | None = None, **data):
    pk = incident if isinstance(incident, int) else incident.pk
    if version is None:
        version = Incident.objects.get(pk=pk).version
    return api(user).post(f"/api/incidents/{pk}/transitions/", {"action": action, "version": version, **data},
                          format="json")


def ok(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


# ---- the happy path -------------------------------------------------------------------------------------


def test_a_case_walks_every_step_to_the_archive_and_each_is_logged(api, district: District):
    incident = new_incident(district)
    assert incident.version == 1 and incident.status == "reported"
    steps = [("town1", "accept", {}, "accepted", "town", "西街道"),
             ("town1", "dispatch", {"level": "grid"}, "dispatched", "grid", "西一第一网格"),
             ("worker11", "start", {}, "in_progress", "grid", "西一第一网格"),
             ("worker11", "resolve", {"note": "已劝离摊贩", "attachments": ["photos/after.jpg"]}, "resolved", "grid",
              "西一第一网格"),
             ("town1", "follow_up", {"satisfaction": "satisfied"}, "followed_up", "grid", "西一第一网格"),
             ("town1", "archive", {}, "archived", "grid", "西一第一网格")]
    for version, (user, action, data, status, level, unit) in enumerate(steps, start=1):
        body = ok(post(api, user, incident, action, version, **data))
        assert (body["status"], body["version"], body["responsible_level"], body["responsible_unit"]) == (
            status, version + 1, level, unit)
    incident.refresh_from_db()
    assert incident.satisfaction == "satisfied" and incident.closed_at is not None
    log = list(IncidentTransition.objects.filter(incident=incident).order_by("id")
               .values_list("action", "from_status", "to_status", "user__username", "note"))
    assert log == [("accept", "reported", "accepted", "town1", ""),
                   ("dispatch", "accepted", "dispatched", "town1", ""),
                   ("start", "dispatched", "in_progress", "worker11", ""),
                   ("resolve", "in_progress", "resolved", "worker11", "已劝离摊贩"),
                   ("follow_up", "resolved", "followed_up", "town1", ""),
                   ("archive", "followed_up", "archived", "town1", "")]
    assert IncidentTransition.objects.get(incident=incident, action="resolve").data == {
        "note": "已劝离摊贩", "attachments": ["photos/after.jpg"]}
    detail = api("town1").get(f"/api/incidents/{incident.pk}/").json()
    assert [t["action"] for t in detail["transitions"]] == [s[1] for s in steps]
    assert detail["allowed_actions"] == [] and detail["version"] == 7


def test_reject_needs_a_reason_and_closes_the_case(api, district: District):
    incident = new_incident(district)
    response = post(api, "town1", incident, "reject")
    assert response.status_code == 400 and response.json()["field"] == "reason"
    body = ok(post(api, "town1", incident, "reject", reason="重复上报"))
    assert body["status"] == "rejected" and body["closed_at"] is not None
    assert IncidentTransition.objects.get(incident=incident).note == "重复上报"


def test_return_goes_back_to_the_dispatching_level_and_transfer_changes_the_unit(api, district: District):
    incident = new_incident(district)
    ok(post(api, "town1", incident, "accept"))
    ok(post(api, "town1", incident, "dispatch", level="village"))
    assert post(api, "village1", incident, "return").json()["field"] == "reason"
    body = ok(post(api, "village1", incident, "return", reason="不属于本社区职责"))
    assert (body["status"], body["responsible_level"], body["responsible_unit"]) == ("accepted", "town", "西街道")
    ok(post(api, "town1", incident, "dispatch", level="village", unit="西一社区物业办"))
    assert post(api, "village1", incident, "transfer", reason="物业问题").json()["field"] == "unit"
    body = ok(post(api, "village1", incident, "transfer", reason="属城管职责", unit="西街道城管中队"))
    assert (body["status"], body["responsible_level"], body["responsible_unit"]) == (
        "dispatched", "village", "西街道城管中队")


# ---- illegal transitions ---------------------------------------------------------------------------------


def test_every_illegal_transition_is_400_naming_the_allowed_actions(api, district: District):
    incident = new_incident(district)
    tried = 0
    for status in IncidentStatus.values:
        Incident.objects.filter(pk=incident.pk).update(status=status)
        allowed = workflow.actions_from(status)
        for action in workflow.ACTIONS.keys() - set(allowed):
            response = post(api, "admin", incident, action, reason="x", note="x", level="grid", unit="x",
                            satisfaction="satisfied")
            assert response.status_code == 400, (status, action)
            assert response.json()["allowed_actions"] == allowed
            tried += 1
    assert tried == 9 * 11 - sum(len(a.sources) for a in workflow.ACTIONS.values()) == 80
    Incident.objects.filter(pk=incident.pk).update(status="in_progress")
    body = post(api, "admin", incident, "archive").json()
    assert body["detail"] == "事件当前状态为「办理」，不能执行「归档」；可执行：办结、退回、转办、上报上级、督办"
    assert IncidentTransition.objects.count() == 0


def test_unknown_action_missing_version_and_bad_fields_are_400(api, district: District):
    incident = new_incident(district)
    response = post(api, "town1", incident, "teleport")
    assert response.status_code == 400 and response.json()["allowed_actions"] == ["accept", "reject"]
    response = api("town1").post(f"/api/incidents/{incident.pk}/transitions/", {"action": "accept"}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    ok(post(api, "town1", incident, "accept"))
    response = post(api, "town1", incident, "dispatch", level="province")
    assert response.status_code == 400 and response.json()["field"] == "level"
    assert api("town1").get("/api/incidents/abc/transitions/").status_code == 404


# ---- deadlines ---------------------------------------------------------------------------------------------


def test_the_shipped_2026_calendar():
    days = shipped_exceptions()
    assert sum(1 for d, working in days.items() if d.year == 2026 and not working) == 33
    assert sorted(d for d, working in days.items() if working) == [
        dt.date(2026, 1, 4), dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 5, 9),
        dt.date(2026, 9, 20), dt.date(2026, 10, 10)]


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    assert add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)      # Friday → Monday
    assert add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)    # 调休: Saturday works
    assert add_working_days(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)    # 春节 15–23 off
    assert add_working_days(dt.date(2026, 2, 13), 5) == dt.date(2026, 2, 27)
    assert add_working_days(dt.date(2026, 9, 29), 5) == dt.date(2026, 10, 12)   # 国庆 + Saturday 10-10 works
    assert deadline_after(beijing(2026, 2, 13, 10, 0), 1) == beijing(2026, 2, 14, 23, 59, 59)


def test_a_local_calendar_day_overrides_the_shipped_file():
    CalendarDay.objects.create(date=dt.date(2026, 2, 24), working=False, name="地方假日")
    CalendarDay.objects.create(date=dt.date(2026, 2, 14), working=False, name="本地不调休")
    assert add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 25)


def test_deadline_table_by_category_and_level():
    assert working_days_for("安全隐患/消防通道堵塞", "grid") == 1
    assert working_days_for("城市管理/占道经营", "town") == 5
    assert working_days_for("城市管理/违章搭建", "town") == 15
    assert working_days_for("矛盾纠纷/邻里纠纷", "grid") == 5
    assert working_days_for("矛盾纠纷/邻里纠纷", "village") == 10
    assert working_days_for("矛盾纠纷/邻里纠纷", "county") == 15
    assert working_days_for("安全隐患隐患", "grid") == 5  # a prefix matches whole segments only


def test_accept_and_dispatch_set_the_deadline_across_the_holiday(district: District):
    users = district.users
    urgent = new_incident(district, category="安全隐患/燃气隐患")
    urgent = service.transition(urgent.pk, "accept", users["town1"], 1, at=beijing(2026, 2, 13, 10, 0))
    assert urgent.deadline == beijing(2026, 2, 14, 23, 59, 59)
    urgent = service.transition(urgent.pk, "dispatch", users["town1"], 2, at=beijing(2026, 2, 14, 16, 0), level="grid")
    assert urgent.deadline == beijing(2026, 2, 24, 23, 59, 59)
    dispute = new_incident(district, category="矛盾纠纷/邻里纠纷")
    dispute = service.transition(dispute.pk, "accept", users["worker11"], 1, at=beijing(2026, 9, 29, 9, 0))
    assert (dispute.responsible_level, dispute.deadline) == ("grid", beijing(2026, 10, 12, 23, 59, 59))


# ---- escalation and supervision ---------------------------------------------------------------------------


def test_escalation_climbs_grid_village_town_county(api, district: District):
    incident = new_incident(district, category="矛盾纠纷/邻里纠纷")
    assert ok(post(api, "worker11", incident, "accept"))["responsible_level"] == "grid"
    assert post(api, "worker11", incident, "escalate").json()["field"] == "reason"
    climbed = []
    for user in ("worker11", "village1", "town1"):
        body = ok(post(api, user, incident, "escalate", reason="本级无法调解"))
        climbed.append((body["status"], body["responsible_level"], body["responsible_unit"]))
        assert post(api, user, incident, "start").status_code == 403  # no longer theirs
    assert climbed == [("dispatched", "village", "西一社区"), ("dispatched", "town", "西街道"),
                       ("dispatched", "county", "测试区")]
    incident.refresh_from_db()
    assert incident.deadline.astimezone(BEIJING).date() == add_working_days(timezone.localdate(), 15)
    assert post(api, "county", incident, "escalate", reason="x").status_code == 403
    top = post(api, "admin", incident, "escalate", reason="x")
    assert top.status_code == 400 and top.json()["detail"] == "已是最高层级（县级），无法再上报"
    ok(post(api, "county", incident, "start"))


def test_supervision_by_hand_is_for_the_level_above(api, district: District):
    incident = new_incident(district)
    ok(post(api, "town1", incident, "accept"))
    ok(post(api, "town1", incident, "dispatch", level="village"))
    ok(post(api, "village1", incident, "start"))
    assert post(api, "village1", incident, "supervise", reason="自己督办自己").status_code == 403
    assert post(api, "town1", incident, "supervise").json()["field"] == "reason"
    body = ok(post(api, "town1", incident, "supervise", reason="群众多次来电催办"))
    assert (body["status"], body["supervision_level"], body["supervision_reason"]) == ("supervised", "town", "manual")
    assert ok(api("town1").get("/api/incidents/?supervised=mine"))["count"] == 1
    assert ok(api("village1").get("/api/incidents/?supervised=mine"))["count"] == 0
    assert api("village1").get(f"/api/incidents/{incident.pk}/").json()["allowed_actions"] == [
        "resolve", "escalate"]
    assert ok(post(api, "village1", incident, "resolve", note="已处理"))["status"] == "resolved"


def test_the_sweep_supervises_overdue_and_near_due_cases_once(api, district: District):
    now = timezone.now()
    hours = dt.timedelta(hours=1)
    overdue = new_incident(district, status="in_progress", responsible_level="village", deadline=now - hours)
    near = new_incident(district, status="dispatched", responsible_level="grid", deadline=now + 2 * hours)
    far = new_incident(district, status="accepted", responsible_level="town", deadline=now + 120 * hours)
    done_late = new_incident(district, status="resolved", deadline=now - dt.timedelta(days=3))
    assert set(Incident.objects.overdue(now).values_list("pk", flat=True)) == {overdue.pk}
    assert set(Incident.objects.near_deadline(now).values_list("pk", flat=True)) == {near.pk}
    assert ok(api("town1").get("/api/incidents/?overdue=1"))["results"][0]["id"] == overdue.pk

    assert raise_supervision(now) == sorted([overdue.pk, near.pk])
    assert raise_supervision(now) == []
    rows = {i.pk: (i.status, i.supervision_reason, i.supervision_level, i.version)
            for i in Incident.objects.filter(pk__in=[overdue.pk, near.pk, far.pk, done_late.pk])}
    assert rows == {overdue.pk: ("supervised", "overdue", "town", 2),
                    near.pk: ("supervised", "near_deadline", "village", 2),
                    far.pk: ("accepted", None, None, 1), done_late.pk: ("resolved", None, None, 1)}
    log = IncidentTransition.objects.get(incident=near)
    assert (log.user, log.from_status, log.to_status, log.data) == (
        None, "dispatched", "supervised", {"auto": True, "reason": "near_deadline", "level": "village"})
    # three hours later the near case is overdue: raised once more, then quiet again
    later = (now + dt.timedelta(hours=3)).isoformat()
    out = StringIO()
    call_command("supervise_incidents", "--at", later, stdout=out)
    assert out.getvalue().strip() == "督办 1 件 / supervised 1 incident(s)"
    call_command("supervise_incidents", "--at", later, stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "督办 0 件 / supervised 0 incident(s)"
    assert list(IncidentTransition.objects.filter(incident=near).values_list("data__reason", flat=True)
                .order_by("id")) == ["near_deadline", "overdue"]
    assert ok(api("town1").get("/api/incidents/?supervised=mine"))["count"] == 1      # the village-level one
    assert ok(api("village1").get("/api/incidents/?supervised=mine"))["count"] == 1   # the grid-level one


# ---- satisfaction ----------------------------------------------------------------------------------------


def test_an_unsatisfied_follow_up_reopens_the_case(api, district: District):
    incident = new_incident(district)
    ok(post(api, "town1", incident, "accept"))
    ok(post(api, "town1", incident, "dispatch", level="grid"))
    ok(post(api, "worker11", incident, "start"))
    ok(post(api, "worker11", incident, "resolve", note="已处理"))
    assert post(api, "worker11", incident, "follow_up", satisfaction="satisfied").status_code == 403
    bad = post(api, "town1", incident, "follow_up", satisfaction="meh")
    assert bad.status_code == 400 and bad.json()["field"] == "satisfaction"
    body = ok(post(api, "town1", incident, "follow_up", satisfaction="unsatisfied", note="摊贩次日又回来了"))
    assert (body["status"], body["satisfaction"], body["closed_at"]) == ("in_progress", "unsatisfied", None)
    assert IncidentTransition.objects.filter(incident=incident).last().to_status == "in_progress"
    ok(post(api, "worker11", incident, "resolve", note="已联系城管长期整治"))
    body = ok(post(api, "town1", incident, "follow_up", satisfaction="basic"))
    assert (body["status"], body["satisfaction"]) == ("followed_up", "basic")


# ---- concurrency -------------------------------------------------------------------------------------------


def test_two_operators_with_the_same_version_one_wins_one_gets_409(api, district: District):
    incident = new_incident(district)
    first = post(api, "town1", incident, "accept", version=1)
    second = post(api, "county", incident, "reject", version=1, reason="不属实")
    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["current"] == {"id": incident.pk, "status": "accepted", "version": 2,
                                        "responsible_level": "town"}
    assert IncidentTransition.objects.filter(incident=incident).count() == 1


def test_a_write_between_the_check_and_the_update_is_a_409(district: District, monkeypatch):
    """The version check passed, then another operator commits: the guarded UPDATE matches no row."""
    incident = new_incident(district)
    real_actor_of = service.actor_of

    def competing_write_first(user):
        monkeypatch.setattr(service, "actor_of", real_actor_of)
        service.transition(incident.pk, "accept", district.users["county"], 1)
        return real_actor_of(user)

    monkeypatch.setattr(service, "actor_of", competing_write_first)
    with pytest.raises(service.StaleVersion) as caught:
        service.transition(incident.pk, "reject", district.users["town1"], 1, reason="不属实")
    assert caught.value.current["status"] == "accepted" and caught.value.current["version"] == 2
    assert list(IncidentTransition.objects.filter(incident=incident).values_list("user__username", flat=True)) == [
        "county"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_on_two_connections(district: District):
    incident = new_incident(district)
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def operate(username: str) -> None:
        try:
            client = district.client(username)
            barrier.wait()
            codes.append(client.post(f"/api/incidents/{incident.pk}/transitions/",
                                     {"action": "accept", "version": 1}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=operate, args=(name,)) for name in ("town1", "county")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 409]
    assert Incident.objects.get(pk=incident.pk).version == 2
    assert IncidentTransition.objects.filter(incident=incident).count() == 1


# ---- scoping and roles -------------------------------------------------------------------------------------


def test_outside_the_area_is_404_and_a_viewer_is_403(api, district: District):
    incident = new_incident(district)
    assert post(api, "town2", incident, "accept", version=1).status_code == 404
    assert api("town2").get(f"/api/incidents/{incident.pk}/").status_code == 404
    assert post(api, "nobody", incident, "accept", version=1).status_code == 404
    other_grid = new_incident(district, grid="grid12")
    assert post(api, "worker11", other_grid, "accept").status_code == 404
    viewer = post(api, "viewer1", incident, "accept")
    assert viewer.status_code == 403 and viewer.json()["detail"] == "您的角色或层级无权对该事件执行「受理」"
    assert api("viewer1").get(f"/api/incidents/{incident.pk}/").json()["allowed_actions"] == []
    assert api("town1").get(f"/api/incidents/{incident.pk}/").json()["allowed_actions"] == ["accept", "reject"]
    ok(post(api, "village1", incident, "accept"))
    assert post(api, "village1", incident, "dispatch", level="town").status_code == 403  # only down or level
    assert post(api, "worker11", incident, "dispatch", level="grid").status_code == 403  # grid cannot dispatch
    assert Incident.objects.get(pk=incident.pk).version == 2


def test_the_list_is_scoped_and_filtered(api, district: District):
    west = new_incident(district)
    new_incident(district, grid="grid21")
    ok(post(api, "town1", west, "accept"))
    assert ok(api("town1").get("/api/incidents/"))["count"] == 1
    assert ok(api("county").get("/api/incidents/"))["count"] == 2
    assert [r["id"] for r in ok(api("county").get("/api/incidents/?status=accepted"))["results"]] == [west.pk]
    assert ok(api("county").get("/api/incidents/?status=reported,accepted"))["count"] == 2
    assert ok(api("county").get("/api/incidents/?overdue=0"))["count"] == 2
    bad = api("county").get("/api/incidents/?status=lost")
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    assert api("county").get("/api/incidents/?overdue=maybe").status_code == 400


def test_clocked_statuses_are_the_open_ones_after_intake():
    assert set(CLOCKED_STATUSES) == {"accepted", "dispatched", "in_progress", "supervised"}


def test_messages_are_english_on_request(api, district: District):
    incident = new_incident(district)
    client = api("viewer1")
    response = client.post(f"/api/incidents/{incident.pk}/transitions/", {"action": "accept", "version": 1},
                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "Your role or level may not “Accept” this incident"
    response = api("town1").post(f"/api/incidents/{incident.pk}/transitions/", {"action": "reject", "version": 1},
                                 format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "“Reject” needs a reason"


def test_a_transition_moves_the_case_in_the_tile_bins(api, district: District):
    from layers.models.incidents import IncidentBin

    incident = new_incident(district)
    ok(post(api, "town1", incident, "accept"))
    bins = dict(IncidentBin.objects.filter(grid=district.grid11).values_list("status", "count"))
    assert {status: n for status, n in bins.items() if n} == {"accepted": 1}
