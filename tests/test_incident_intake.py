"""Intake (issue 5): one core for every channel — location, grid/building, held cases, duplicates, idempotency,
the hotline's token, the pages, and the login middleware's narrow exemption."""

from __future__ import annotations

import datetime as dt
import random
import struct
import threading
import zlib

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from geo_governance import middleware
from geo_governance.errors import BadInput, Conflict
from incidents import calendar, intake
from incidents.channels import keys
from incidents.models import Duplicate, Hold, IdempotencyKey, IncidentTransition, Reporter
from layers.models.incidents import Incident
from tests.browser import ARTIFACTS, BROWSER_MARKS
from tests.conftest import District

pytestmark = pytest.mark.django_db
IN_B1 = {"lon": 114.0705, "lat": 30.1005}        # inside building B1, grid 11
IN_GRID12 = {"lon": 114.12, "lat": 30.08}         # grid 12, no building
NO_GRID = {"lon": 114.18, "lat": 30.02}           # inside the county and town 1, outside every grid
CASE = {"title": "楼道堆放杂物", "category": "安全隐患", "description": "三楼楼道堆满纸箱"}


@pytest.fixture(autouse=True)
def photo_folder(settings, tmp_path):
    settings.GEOGOV_INTAKE_MEDIA = str(tmp_path / "intake")


def png(width: int = 1) -> bytes:
    """A real 1-pixel-high PNG of random pixels (so it does not compress below 3 bytes a pixel)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00" + random.Random(width).randbytes(3 * width)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def file_case(api, user: str, key: str | None = None, **fields):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api(user).post("/api/incidents/intake/", {**CASE, **fields}, format="json", **headers)


def created(response) -> dict:
    assert response.status_code == 201, response.json()
    return response.json()


# ---- the core ------------------------------------------------------------------------------------------


def test_register_assigns_grid_building_code_deadline_and_logs_the_report(district: District):
    result = intake.register("walk_in", title="楼道堆物", category="民生服务", location=Point(114.0705, 30.1005),
                             reporter={"name": "张三", "phone": "13800000001"}, user=district.users["village1"])
    case = result.incident
    assert result.created and result.duplicate_of is None and not result.held
    assert (case.grid_id, case.building_id, case.source, case.status) == (
        district.grid11.pk, district.b1.pk, "walk_in", "reported")
    assert case.code.startswith("SJ" + timezone.localtime(case.reported_at).strftime("%Y%m%d")) and len(case.code) == 16
    assert case.deadline == calendar.deadline_after(case.reported_at, 15)  # 民生服务: 15 working days
    assert list(IncidentTransition.objects.filter(incident=case).values_list("action", "from_status", "to_status",
                                                                            "user__username")) == [
        ("report", "", "reported", "village1")]
    assert list(Reporter.objects.filter(incident=case).values_list("name", "phone", "channel")) == [
        ("张三", "13800000001", "walk_in")]
    assert not Hold.objects.exists()


def test_urgent_cases_get_one_working_day_and_codes_are_unique_and_increasing(district: District):
    first = intake.register("web", title="a", category="民生服务", location=Point(114.12, 30.08), urgent=True).incident
    second = intake.register("web", title="b", category="民生服务", location=Point(114.13, 30.09)).incident
    assert first.deadline == calendar.deadline_after(first.reported_at, calendar.URGENT)
    assert second.deadline == calendar.deadline_after(second.reported_at, 15)
    assert int(second.code[-6:]) == int(first.code[-6:]) + 1


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"title": " "}, "title", ("请填写", "is required")),
    ({"category": ""}, "category", ("请填写", "is required")),
    ({"title": "x" * 201}, "title", ("不能超过200个字符", "at most 200")),
    ({"location": Point(30.1, 114.07)}, "location", ("不在中国境内", "swapped")),
    ({"location": None, "building_code": "NOPE"}, "building_code", ("楼栋编码不存在", "no building")),
    ({"location": None, "address": "不存在路9号"}, "address",
     ("找不到该地址的楼栋：不存在路9号", "no building at 不存在路9号")),
    ({"location": None}, "location", ("请提供位置", "give a location")),
    ({"reporter": {"email": "a@b"}}, "reporter", ("反映人只能包含", "only name and phone")),
    ({"reporter": {"phone": "call me"}}, "phone", ("电话号码格式不正确", "not valid")),
])
def test_bad_input_is_refused_in_chinese_and_english_and_nothing_is_written(district, fields, field, words):
    args = {"title": "t", "category": "安全隐患", "location": Point(114.07, 30.1), **fields}
    with pytest.raises(BadInput) as caught:
        intake.register("web", **args)
    assert caught.value.field == field
    assert all(word in caught.value.message for word in words), caught.value.message
    assert Incident.objects.count() == 0


def test_messages_in_english_on_request(api, district: District):
    client = api("worker11")
    with translation.override("zh-hans"):  # the middleware's activation of English ends with the block
        response = client.post("/api/incidents/intake/", {**CASE, "title": "", **IN_B1}, format="json",
                               HTTP_ACCEPT_LANGUAGE="en")
        page = client.get("/incidents/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert response.status_code == 400 and response.json() == {"detail": "Title is required (title)", "field": "title"}
    assert "Grid worker report" in page and "Use my location" in page and "网格员上报" not in page


def test_unknown_channel_is_refused(district):
    with pytest.raises(BadInput, match="未知渠道"):
        intake.register("fax", title="t", category="c", location=Point(114.07, 30.1))


# ---- every channel: one case at the right grid and building ---------------------------------------------------


def test_grid_worker_report_by_gps_point(api, district: District):
    body = created(file_case(api, "worker11", **IN_B1))
    case = Incident.objects.get()
    assert (body["code"], body["source"], body["grid_code"], body["building_code"], body["held"]) == (
        case.code, "grid_worker", district.grid11.code, "B1", False)
    assert (case.grid_id, case.building_id) == (district.grid11.pk, district.b1.pk)


def test_desk_walk_in_by_building_code_lands_on_that_building(api, district: District):
    body = created(file_case(api, "village1", channel="walk_in", building_code="B2",
                             reporter={"name": "钱五", "phone": "13912345678"}))
    case = Incident.objects.get()
    assert (case.source, case.building_id, case.grid_id) == ("walk_in", district.b2.pk, district.b2.grid_id)
    assert district.b2.footprint.covers(case.location)
    assert body["reporters"] == [{"name": "钱五", "phone": "139****5678", "channel": "walk_in",
                                  "at": body["reporters"][0]["at"], "reported_case": case.pk}]


def test_web_mailbox_by_address(api, district: District):
    created(file_case(api, "town2", channel="web", address=" 东一路1号 "))
    case = Incident.objects.get()
    assert (case.source, case.building_id, case.grid_id) == ("web", district.b3.pk, district.grid21.pk)


def test_roles_are_limited_to_their_channels(api, district: District):
    assert file_case(api, "worker11", channel="walk_in", **IN_B1).status_code == 403
    assert file_case(api, "viewer1", **IN_B1).status_code == 403
    assert file_case(api, "nobody", **IN_B1).status_code == 403
    assert Incident.objects.count() == 0


def test_hotline_files_with_its_token_and_a_retry_of_the_same_case_no_is_the_same_case(district: District):
    client_row, token = keys.issue("12345热线", "hotline")
    http = Client()
    body = {**CASE, **IN_GRID12, "case_no": "12345-0001", "caller": {"name": "李女士", "phone": "13700001234"}}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = http.post("/api/hotline/v1/cases", body, content_type="application/json", **auth)
    again = http.post("/api/hotline/v1/cases", body, content_type="application/json", **auth)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    case = Incident.objects.get()
    assert (case.source, case.grid_id, first.json()["grid_code"]) == ("hotline", district.grid12.pk,
                                                                       district.grid12.code)
    assert Reporter.objects.get().client == client_row
    status = http.get(f"/api/hotline/v1/cases/{case.code}", **auth)
    assert status.status_code == 200 and status.json()["status"] == "reported"


def test_hotline_refuses_missing_wrong_and_disabled_tokens(district: District):
    client_row, token = keys.issue("12345热线", "hotline")
    _other, other_token = keys.issue("另一热线", "hotline")
    _open311, open311_token = keys.issue("open311", "open311")
    http = Client()
    post = lambda auth: http.post("/api/hotline/v1/cases", {**CASE, **IN_GRID12},  # noqa: E731
                                  content_type="application/json", **auth)
    assert post({}).status_code == 401
    assert post({"HTTP_AUTHORIZATION": "Bearer wrong"}).status_code == 401
    assert post({"HTTP_AUTHORIZATION": f"Bearer {open311_token}"}).status_code == 401  # another channel's key
    assert "接口令牌无效" in post({}).json()["detail"]
    code = post({"HTTP_AUTHORIZATION": f"Bearer {token}"}).json()["code"]
    assert http.get(f"/api/hotline/v1/cases/{code}", HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404
    client_row.active = False
    client_row.save()
    assert post({"HTTP_AUTHORIZATION": f"Bearer {token}"}).status_code == 401
    assert Incident.objects.count() == 1


# ---- photos and pages ----------------------------------------------------------------------------------------


def test_report_page_and_a_photo_upload(district: District, settings, tmp_path):
    http = Client()
    http.force_login(district.users["worker11"])
    page = http.get("/incidents/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-channel="grid_worker"' in html and 'name="photo"' in html and "intake.js" in html
    photo = tmp_path / "p.png"
    photo.write_bytes(png())
    with photo.open("rb") as f:
        response = http.post("/api/incidents/intake/",
                             {**CASE, **IN_B1, "photo": f}, HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 201, response.json()
    report = IncidentTransition.objects.get(action="report")
    (name,) = report.data["extra"]["photos"]
    assert name.endswith(".png") and (tmp_path / "intake" / "photos" / name).read_bytes() == png()
    served = http.get(f"/incidents/photos/{name}")
    assert served.status_code == 200 and b"".join(served.streaming_content) == png()
    outsider = Client()
    outsider.force_login(district.users["town2"])
    assert outsider.get(f"/incidents/photos/{name}").status_code == 404


def test_photos_must_be_images_within_the_size_limit(district: District, settings, tmp_path):
    http = Client()
    http.force_login(district.users["worker11"])
    fake = tmp_path / "x.jpg"
    fake.write_bytes(b"<html>not an image</html>")
    with fake.open("rb") as f:
        response = http.post("/api/incidents/intake/", {**CASE, **IN_B1, "photo": f})
    assert response.status_code == 400 and "JPEG、PNG 或 WebP" in response.json()["detail"]
    settings.GEOGOV_INTAKE_MAX_PHOTO_BYTES = 500
    big = tmp_path / "big.png"
    big.write_bytes(png(200))
    with big.open("rb") as f:
        response = http.post("/api/incidents/intake/", {**CASE, **IN_B1, "photo": f})
    assert response.status_code == 400 and "照片不能超过 500 字节" in response.json()["detail"]
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(("path", "channel"), [("/incidents/desk/", "walk_in"), ("/incidents/mailbox/", "web")])
def test_desk_and_mailbox_pages_need_an_operator(district: District, path, channel):
    http = Client()
    http.force_login(district.users["town1"])
    page = http.get(path)
    assert page.status_code == 200 and f'data-channel="{channel}"' in page.content.decode()
    assert 'name="reporter_phone"' in page.content.decode()
    http.force_login(district.users["worker11"])
    assert http.get(path).status_code == 403
    assert Client().get(path).status_code == 302  # anonymous: to the login page


def test_only_the_api_key_doors_are_exempt_from_login(district: District):
    assert middleware.SELF_AUTHENTICATED_PREFIXES == ("/iot/v1/", "/open311/v2/", "/api/hotline/v1/")
    anonymous = Client()
    for path in ("/incidents/report/", "/incidents/desk/", "/incidents/mailbox/", "/map/", "/import/",
                 "/incidents/photos/" + "0" * 64 + ".png", "/open311/v2x/services.json", "/open311/"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
    for path in ("/api/incidents/", "/api/incidents/held/", "/api/incidents/duplicates/"):
        assert anonymous.get(path).status_code in (401, 403), path
    assert anonymous.post("/api/incidents/intake/", CASE).status_code in (401, 403)
    # the exempt doors refuse without their key themselves
    assert anonymous.get("/open311/v2/services.json").status_code == 403
    assert anonymous.post("/api/hotline/v1/cases", CASE, content_type="application/json").status_code == 401
    assert Incident.objects.count() == 0


# ---- held for manual placement ---------------------------------------------------------------------------------


def test_a_case_outside_every_grid_is_held_listed_for_the_county_and_placed(api, district: District):
    body = created(file_case(api, "town1", channel="web", **NO_GRID))
    case = Incident.objects.get()
    assert (body["held"], case.grid_id, case.building_id) == (True, None, None)
    assert Hold.objects.filter(incident=case, placed_at__isnull=True).count() == 1
    assert [row["code"] for row in api("county").get("/api/incidents/held/").json()["results"]] == [case.code]
    assert [row["code"] for row in api("admin").get("/api/incidents/held/").json()["results"]] == [case.code]
    assert api("town1").get("/api/incidents/held/").status_code == 403
    place = lambda user, point, version: api(user).post(  # noqa: E731
        f"/api/incidents/held/{case.pk}/place/", {**point, "version": version}, format="json")
    assert place("county", NO_GRID, 1).status_code == 400                     # still in no grid
    assert place("county", IN_B1, 7).status_code == 409                       # stale version
    placed = place("county", IN_B1, 1)
    assert placed.status_code == 200, placed.json()
    assert (placed.json()["grid_code"], placed.json()["building_code"], placed.json()["held"]) == (
        district.grid11.code, "B1", False)
    case.refresh_from_db()
    assert (case.grid_id, case.building_id, case.version) == (district.grid11.pk, district.b1.pk, 2)
    assert list(case.transitions.values_list("action", flat=True)) == ["report", "place"]
    assert api("county").get("/api/incidents/held/").json()["results"] == []
    assert place("county", IN_B1, 2).status_code == 404                       # no longer held


def test_held_cases_outside_a_county_are_for_admins_only(api, district: District):
    intake.register("web", title="t", category="安全隐患", location=Point(115.0, 31.0))
    assert api("county").get("/api/incidents/held/").json()["results"] == []
    assert len(api("admin").get("/api/incidents/held/").json()["results"]) == 1


# ---- duplicates across channels --------------------------------------------------------------------------------


def two_reports(api, second_point=None, **second):
    first = created(file_case(api, "worker11", **IN_B1))
    near = second_point or {"lon": IN_B1["lon"] + 0.0003, "lat": IN_B1["lat"]}  # ~29 m east
    hotline_client, token = keys.issue("12345热线", "hotline")
    response = Client().post("/api/hotline/v1/cases", {**CASE, **near, **second, "caller": {"name": "李女士",
                             "phone": "13700001234"}}, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201, response.json()
    return Incident.objects.get(code=first["code"]), Incident.objects.get(code=response.json()["code"])


def test_a_second_report_nearby_is_proposed_as_a_duplicate_and_confirmed_keeping_both_reporters(api, district):
    older, newer = two_reports(api)
    proposal = Duplicate.objects.get()
    assert (proposal.incident_id, proposal.original_id, proposal.status) == (newer.pk, older.pk, "proposed")
    assert 25 < proposal.distance_m < 33
    listed = api("village1").get("/api/incidents/duplicates/").json()["results"]
    assert [(row["incident_code"], row["original_code"]) for row in listed] == [(newer.code, older.code)]
    assert api("town2").get("/api/incidents/duplicates/").json()["results"] == []            # other area
    assert api("worker11").post(f"/api/incidents/duplicates/{proposal.pk}/confirm/").status_code == 403
    assert api("town2").post(f"/api/incidents/duplicates/{proposal.pk}/confirm/").status_code == 404
    confirmed = api("village1").post(f"/api/incidents/duplicates/{proposal.pk}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    newer.refresh_from_db()
    assert (newer.status, newer.closed_at is not None) == ("rejected", True)
    assert sorted(Reporter.objects.filter(incident=older).values_list("channel", "reported_case_id")) == [
        ("grid_worker", older.pk), ("hotline", newer.pk)]
    assert [r["phone"] for r in confirmed.json()["surviving"]["reporters"]] == ["", "137****1234"]
    assert list(newer.transitions.values_list("action", "to_status")) == [("report", "reported"),
                                                                           ("merge", "rejected")]
    assert api("village1").post(f"/api/incidents/duplicates/{proposal.pk}/confirm/").status_code == 400
    token = keys.issue("12345 again", "hotline")[1]  # the hotline still follows its own (merged) case
    status = Client().get(f"/api/hotline/v1/cases/{newer.code}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert status.status_code == 404  # another client's case
    client_row = Reporter.objects.get(reported_case=newer).client
    client_row.token_hash = keys.digest("known")
    client_row.save()
    status = Client().get(f"/api/hotline/v1/cases/{newer.code}", HTTP_AUTHORIZATION="Bearer known").json()
    assert (status["status"], status["merged_into"]) == ("rejected", older.code)


def test_a_dismissed_proposal_leaves_both_cases_open(api, district):
    older, newer = two_reports(api)
    proposal = Duplicate.objects.get()
    assert api("village1").post(f"/api/incidents/duplicates/{proposal.pk}/dismiss/").status_code == 200
    assert set(Incident.objects.values_list("status", flat=True)) == {"reported"}
    assert Reporter.objects.filter(incident=newer).count() == 1
    assert api("village1").get("/api/incidents/duplicates/?status=dismissed").json()["results"][0]["id"] == proposal.pk


@pytest.mark.parametrize("second", [
    {"category": "环境卫生"},                                        # another category
    {"second_point": {"lon": IN_B1["lon"] + 0.0008, "lat": IN_B1["lat"]}},  # ~77 m away
])
def test_no_proposal_for_another_category_or_beyond_the_distance(api, district, second):
    two_reports(api, **second)
    assert Duplicate.objects.count() == 0


def test_no_proposal_against_a_closed_or_old_case(api, district, settings):
    closed = intake.register("grid_worker", title="t", category="安全隐患", location=Point(114.12, 30.08)).incident
    Incident.objects.filter(pk=closed.pk).update(status="resolved", closed_at=timezone.now())
    assert intake.register("web", title="t", category="安全隐患", location=Point(114.12, 30.08)).duplicate_of is None
    older = intake.register("grid_worker", title="t", category="安全隐患", location=Point(IN_B1["lon"], IN_B1["lat"]))
    Incident.objects.filter(pk=older.incident.pk).update(reported_at=timezone.now() - dt.timedelta(hours=73))
    near = {"title": "t", "category": "安全隐患"}
    assert intake.register("web", **near, location=Point(114.0706, 30.1005)).duplicate_of is None   # too old
    settings.GEOGOV_DUPLICATE_METRES = 5
    assert intake.register("web", **near, location=Point(114.0708, 30.1005)).duplicate_of is None   # ~19 m > 5 m
    assert Duplicate.objects.count() == 0


# ---- idempotency ------------------------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_answers_the_same_case_and_response(api, district: District):
    first = file_case(api, "worker11", key="abc-1", **IN_B1)
    again = file_case(api, "worker11", key="abc-1", **IN_B1)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1 and IdempotencyKey.objects.get().incident.code == first.json()["code"]
    reused = file_case(api, "worker11", key="abc-1", **IN_GRID12)
    assert reused.status_code == 409 and "幂等键 abc-1 已用于另一请求" in reused.json()["detail"]
    other_user = file_case(api, "village1", key="abc-1", **IN_B1)   # keys are per user/client
    assert created(other_user)["code"] != first.json()["code"]
    assert Incident.objects.count() == 2


def test_a_refused_request_does_not_burn_its_key(district: District):
    user = district.users["worker11"]
    with pytest.raises(BadInput):
        intake.register("grid_worker", title="", category="安全隐患", location=Point(114.07, 30.1),
                        user=user, idempotency_key="k")
    with pytest.raises(BadInput):
        intake.register("grid_worker", title="t", category="安全隐患", location=None, user=user, idempotency_key="k")
    assert IdempotencyKey.objects.count() == 0
    assert intake.register("grid_worker", title="t", category="安全隐患", location=Point(114.07, 30.1), user=user,
                           idempotency_key="k").created


def test_a_reused_key_with_another_body_is_a_conflict_in_the_core(district: District):
    intake.register("web", title="a", category="安全隐患", location=Point(114.07, 30.1), client="iot:1",
                    idempotency_key="alarm-9")
    with pytest.raises(Conflict):
        intake.register("web", title="b", category="安全隐患", location=Point(114.07, 30.1), client="iot:1",
                        idempotency_key="alarm-9")


@pytest.mark.django_db(transaction=True)
def test_the_same_key_from_two_connections_at_once_makes_one_case():
    from tests.conftest import build_district

    build_district()
    args = {"title": "t", "category": "安全隐患", "location": Point(114.07, 30.1), "client": "hotline:7",
            "idempotency_key": "same", "render": lambda result: {"code": result.incident.code}}
    first_done, release, results = threading.Event(), threading.Event(), {}

    def first() -> None:
        with transaction.atomic():                    # hold the first transaction open after its insert
            results["first"] = intake.register("hotline", **args)
            first_done.set()
            release.wait(30)
        connections.close_all()

    def second() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            results["pid"] = cursor.fetchone()[0]
        results["second"] = intake.register("hotline", **args)
        connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert first_done.wait(30)
    b = threading.Thread(target=second)
    b.start()
    with connection.cursor() as cursor:              # the second waits on the first's uncommitted key row
        for _ in range(3000):
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [results.get("pid")])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("the second request never waited on the first one's key")
    release.set()
    a.join(30)
    b.join(30)
    assert results["first"].created and not results["second"].created
    assert results["second"].incident.pk == results["first"].incident.pk
    assert results["second"].response == {"code": results["first"].incident.code}
    assert Incident.objects.count() == 1 and IdempotencyKey.objects.count() == 1


# ---- manage.py intake_client ------------------------------------------------------------------------------------


def test_intake_client_command_issues_lists_and_disables(district: District):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("intake_client", "add", "12345热线", "--channel", "hotline", stdout=out)
    token = out.getvalue().strip().rpartition("token: ")[2]
    assert keys.client_for(token, "hotline").name == "12345热线"
    with pytest.raises(CommandError, match="exists"):
        call_command("intake_client", "add", "12345热线", "--channel", "hotline")
    listing = StringIO()
    call_command("intake_client", "list", stdout=listing)
    assert listing.getvalue() == "12345热线\thotline\t*\tactive\n"
    call_command("intake_client", "disable", "12345热线")
    with pytest.raises(keys.Unauthorized):
        keys.client_for(token, "hotline")


# ---- the report page in a real browser -------------------------------------------------------------------------


def in_browser(test):
    """The browser tests' marks (tests/browser.py: transactional database, skipped without Chromium/Playwright)."""
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@in_browser
def test_a_grid_worker_reports_from_a_phone_with_gps_and_a_photo(page, live_server, tmp_path):
    from tests.conftest import PASSWORD, build_district

    district = build_district()
    photo = tmp_path / "site.png"
    photo.write_bytes(png(8))
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"longitude": IN_B1["lon"], "latitude": IN_B1["lat"], "accuracy": 8})
    page.goto(f"{live_server.url}/accounts/login/?next=/incidents/report/")
    page.fill("input[name=username]", "worker11")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/incidents/report/")
    page.fill("input[name=title]", "楼道堆放杂物")
    page.select_option("select[name=category]", "安全隐患")
    page.click("#intake-locate")
    page.wait_for_function("() => document.querySelector('input[name=lon]').value !== ''")
    assert "精度约 8 米" in page.inner_text("#intake-location")
    page.set_input_files("input[name=photo]", str(photo))
    page.click("button[type=submit]")
    page.wait_for_function("() => document.getElementById('intake-result').textContent.includes('SJ')")
    case = Incident.objects.get()
    assert case.code in page.inner_text("#intake-result") and "已登记" in page.inner_text("#intake-result")
    assert (case.source, case.grid_id, case.building_id) == ("grid_worker", district.grid11.pk, district.b1.pk)
    assert abs(case.location.x - IN_B1["lon"]) < 1e-6 and abs(case.location.y - IN_B1["lat"]) < 1e-6
    (name,) = IncidentTransition.objects.get(incident=case, action="report").data["extra"]["photos"]
    assert name.endswith(".png") and IdempotencyKey.objects.get().incident == case
    assert page.input_value("input[name=title]") == "" and page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "intake-report-phone.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_an_acknowledged_case_is_already_committed_and_durable():
    """The response leaves after register's transaction committed (synchronous_commit forced on for it)."""
    from rest_framework.test import APIClient

    from tests.conftest import build_district

    district = build_district()
    client = APIClient()
    client.force_login(district.users["worker11"])
    with CaptureQueriesContext(connection) as queries:
        body = created(client.post("/api/incidents/intake/", {**CASE, **IN_B1}, format="json",
                                   HTTP_IDEMPOTENCY_KEY="durable-1"))
    assert "SET LOCAL synchronous_commit = on" in [q["sql"] for q in queries.captured_queries]
    other = connections.create_connection("default")   # another session sees it at once: it was committed
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT code FROM layers_incident")
            assert cursor.fetchall() == [(body["code"],)]
    finally:
        other.close()
