"""The upload page (/import/), the second front door on the import core: real files through the Django test client.

Jobs run synchronously here (``jobs.launch`` swapped for ``jobs.run_job``), except in the one test
of the thread path, which needs a transactional database so that the thread sees the committed rows.
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from importers import jobs
from importers.models import ImportJob
from layers.models import Building, Household
from tests.conftest import District

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def square(lon: float, lat: float, size: float = 0.0005) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def bowtie(lon: float, lat: float, size: float = 0.0005) -> list:
    return [[[lon, lat], [lon + size, lat + size], [lon + size, lat], [lon, lat + size], [lon, lat]]]


def feature(props: dict, rings: list) -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": rings}}


# Six features for town1 (area 420102001): three land, three are rejected for three different reasons.
BUILDINGS = [
    feature({"楼栋编码": "NB1", "地址": "西一路11号", "层数": 5}, square(114.060, 30.060)),  # grid 11
    feature({"楼栋编码": "NB2", "地址": "西一路12号", "层数": 7}, square(114.120, 30.060)),  # grid 12
    feature({"楼栋编码": "NB3", "地址": "西一路13号", "层数": 2}, bowtie(114.070, 30.070)),  # repaired
    feature({"楼栋编码": "", "地址": "无编码", "层数": 3}, square(114.080, 30.080)),  # blank code
    feature({"楼栋编码": "NB5", "地址": "东一路5号", "层数": 4}, square(114.300, 30.060)),  # in town 2
    feature({"楼栋编码": "NB1", "地址": "重复", "层数": 5}, square(114.090, 30.090)),  # duplicate of row 1
]
NEW_CODES = ["NB1", "NB2", "NB3"]


def geojson_bytes(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def import_tmp(settings, tmp_path) -> Path:
    settings.GEOGOV_IMPORT_TMP = str(tmp_path)
    return tmp_path


@pytest.fixture
def sync_jobs(monkeypatch, import_tmp):
    monkeypatch.setattr(jobs, "launch", jobs.run_job)


def post_file(client, name: str, content: bytes, kind: str = "buildings", **options):
    return client.post("/import/", {"kind": kind, "file": upload(name, content), **options})


def started_job(response) -> ImportJob:
    assert response.status_code == 303, response.content.decode()[:500]
    return ImportJob.objects.get(pk=int(response["Location"].rsplit("=", 1)[1]))


def job_json(client, job: ImportJob) -> dict:
    response = client.get(f"/import/jobs/{job.pk}/")
    assert response.status_code == 200
    return response.json()


def reject_rows(rows) -> list[tuple]:
    return [(file, int(row), field, value, reason) for file, row, field, value, reason in rows]


EXPECTED_REJECTS = [  # in file order, whichever check refused the row (the area is the database's)
    ("buildings.geojson", 4, "楼栋编码", "", "必填项为空 / required value is blank"),
    ("buildings.geojson", 5, "geometry", "", "不在您的管辖区域内 / outside your area"),
    ("buildings.geojson", 6, "楼栋编码", "NB1", "编码重复，与第 1 行相同 / duplicate key, same as row 1"),
]


@pytest.mark.django_db
def test_the_page_offers_kinds_and_the_accepted_crs_list(district: District, api):
    page = api("town1").get("/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="buildings">楼栋</option>' in html
    assert '<option value="gcj02">' in html and '<option value="4549">EPSG:4549 CGCS2000 / 3-degree' in html
    assert 'src="/static/importers/upload.js"' in html and 'type="module"' in html


@pytest.mark.django_db
def test_dry_run_reports_exact_counts_and_writes_nothing(district: District, api, sync_jobs, import_tmp):
    client = api("town1")
    before = Building.objects.count()
    job = started_job(post_file(client, "buildings.geojson", geojson_bytes(BUILDINGS)))
    data = job_json(client, job)
    assert (data["status"], data["finished"], data["commit"], data["phase"]) == ("done", True, False, "done")
    report = data["report"]
    counts = {k: report[k] for k in ("read", "accepted", "rejected", "inserted", "updated", "unchanged", "assigned")}
    assert counts == {"read": 6, "accepted": 3, "rejected": 3, "inserted": 3, "updated": 0, "unchanged": 0,
                      "assigned": 3}
    assert report["committed"] is False and report["format"] == "GeoJSON" and report["crs"] == "EPSG:4326"
    assert report["mapping"] == {"code": "楼栋编码", "address": "地址", "floors": "层数"}
    assert sum(report["repairs"].values()) == 1
    assert sorted(report["top_reasons"]) == sorted([[r[4], 1] for r in EXPECTED_REJECTS])
    assert Building.objects.count() == before
    assert not Building.objects.filter(code__in=NEW_CODES).exists()
    # the dry run keeps its upload (to be committed), stored under a random name in the import folder
    stored = Path(ImportJob.objects.get(pk=job.pk).stored_path)
    assert stored.parent == import_tmp / "uploads" and stored.suffix == ".geojson" and stored.is_file()
    assert stored.name != "buildings.geojson"
    html = client.get(f"/import/?job={job.pk}").content.decode()
    assert '<td data-count="read">6</td>' in html and '<td data-count="rejected">3</td>' in html
    assert 'id="import-commit"' in html and "不在您的管辖区域内" in html and "<td>楼栋编码</td>" in html


@pytest.mark.django_db
def test_commit_reruns_the_stored_file_and_writes(district: District, api, sync_jobs):
    client = api("town1")
    dry_run = started_job(post_file(client, "buildings.geojson", geojson_bytes(BUILDINGS)))
    stored = Path(ImportJob.objects.get(pk=dry_run.pk).stored_path)
    committed = started_job(client.post(f"/import/jobs/{dry_run.pk}/commit/"))
    assert committed.pk != dry_run.pk and committed.dry_run_id == dry_run.pk
    data = job_json(client, committed)
    assert (data["status"], data["commit"], data["report"]["committed"]) == ("done", True, True)
    assert (data["report"]["inserted"], data["report"]["rejected"]) == (3, 3)
    written = dict(Building.objects.filter(code__in=NEW_CODES).values_list("code", "grid__code"))
    assert written == {"NB1": district.grid11.code, "NB2": district.grid12.code, "NB3": district.grid11.code}
    assert not Building.objects.filter(code="NB5").exists()
    # the upload is gone once committed; the dry run cannot be committed twice
    assert not stored.exists()
    assert ImportJob.objects.get(pk=dry_run.pk).stored_path == ""
    again = client.post(f"/import/jobs/{dry_run.pk}/commit/")
    assert again.status_code == 400 and "cannot be committed" in again.content.decode()
    assert ImportJob.objects.filter(commit=True).count() == 1
    # a commit job itself is not committed again
    assert client.post(f"/import/jobs/{committed.pk}/commit/").status_code == 400


@pytest.mark.django_db
def test_reject_report_downloads_as_csv_and_xlsx(district: District, api, sync_jobs):
    client = api("town1")
    job = started_job(post_file(client, "buildings.geojson", geojson_bytes(BUILDINGS)))
    response = client.get(f"/import/jobs/{job.pk}/rejects.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="buildings-rejects.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["文件", "行号/要素号", "字段", "原值", "原因"]
    assert reject_rows(rows[1:]) == EXPECTED_REJECTS

    response = client.get(f"/import/jobs/{job.pk}/rejects.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]
    assert reject_rows(values[1:]) == EXPECTED_REJECTS
    assert client.get(f"/import/jobs/{job.pk}/rejects.pdf").status_code == 404


@pytest.mark.django_db
def test_a_png_named_geojson_is_refused_with_its_message(district: District, api, sync_jobs, import_tmp):
    client = api("town1")
    job = started_job(post_file(client, "buildings.geojson", PNG))
    data = job_json(client, job)
    assert (data["status"], data["finished"], data["report"]) == ("refused", True, None)
    assert data["message"] == "无法识别的二进制文件 / unrecognised binary file"
    html = client.get(f"/import/?job={job.pk}").content.decode()
    assert "无法识别的二进制文件" in html and 'id="import-commit"' not in html
    assert list((import_tmp / "uploads").iterdir()) == []  # a refused upload is removed
    assert client.post(f"/import/jobs/{job.pk}/commit/").status_code == 400


@pytest.mark.django_db
def test_a_zip_with_a_parent_path_is_refused(district: District, api, sync_jobs, import_tmp):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for suffix in (".shp", ".shx", ".dbf"):
            archive.writestr(f"../escape{suffix}", b"\x00" * 100)
    job = started_job(post_file(api("town1"), "buildings.zip", packed.getvalue()))
    job.refresh_from_db()
    assert job.status == "refused"
    assert job.message == "压缩包含有不安全的路径：../escape.shp / the zip holds an unsafe path"
    assert not (import_tmp.parent / "escape.shp").exists()
    assert sorted(p.name for p in import_tmp.iterdir()) == ["uploads"]  # no work folder left behind


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_job_with_a_generic_message(district: District, api, sync_jobs, monkeypatch,
                                                                   caplog):
    def broken(request, progress):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(jobs, "run_import", broken)
    client = api("town1")
    job = started_job(post_file(client, "buildings.geojson", geojson_bytes(BUILDINGS)))
    data = job_json(client, job)
    assert (data["status"], data["message"]) == ("failed", jobs.FAILED_MESSAGE)
    assert "secret internals" not in client.get(f"/import/?job={job.pk}").content.decode()
    assert "secret internals" in caplog.text and "Traceback" in caplog.text


@pytest.mark.django_db
def test_options_reach_the_core(district: District, api, sync_jobs):
    """A mapping file renames a column; the source CRS option is used (GCJ-02 shifts the footprints back)."""
    features = [feature({"BLDG_NO": "NB1", "层数": 5}, square(114.060, 30.060))]
    mapping = upload("mapping.json", json.dumps({"BLDG_NO": "code"}).encode())
    client = api("town1")
    job = started_job(post_file(client, "b.geojson", geojson_bytes(features), mapping=mapping, source_crs="gcj02"))
    report = job_json(client, job)["report"]
    assert report["mapping"] == {"code": "BLDG_NO", "floors": "层数"}
    assert (report["crs"], report["accepted"], report["inserted"]) == ("GCJ-02", 1, 1)
    assert ImportJob.objects.get(pk=job.pk).options == {
        "source_crs": "gcj02", "swap_axes": False, "encoding": None, "layer": None, "allow_outside_china": False,
        "mapping": {"BLDG_NO": "code"}, "area_prefix": "420102001"}


@pytest.mark.django_db
def test_bad_form_input_is_a_400_with_its_message(district: District, api, sync_jobs):
    client = api("town1")
    response = post_file(client, "b.geojson", geojson_bytes(BUILDINGS), kind="castles")
    assert response.status_code == 400 and "castles" in response.content.decode()
    bad_mapping = upload("mapping.json", b'["not", "an", "object"]')
    response = post_file(client, "b.geojson", geojson_bytes(BUILDINGS), mapping=bad_mapping)
    assert response.status_code == 400
    assert "字段映射文件应为" in response.content.decode()
    response = client.post("/import/", {"kind": "buildings"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_a_400(district: District, api, sync_jobs, settings, import_tmp):
    settings.GEOGOV_IMPORT_MAX_UPLOAD_BYTES = 1000
    client = api("town1")
    response = post_file(client, "b.geojson", geojson_bytes(BUILDINGS) + b" " * 1000)
    assert response.status_code == 400
    assert "文件过大" in response.content.decode() and "the file is larger than the upload limit" in \
        response.content.decode()
    # a body far over the limit is refused from its Content-Length, before it is read
    response = post_file(client, "b.geojson", b" " * (1200 << 10))
    assert response.status_code == 400 and "文件过大" in response.content.decode()
    assert ImportJob.objects.count() == 0 and not (import_tmp / "uploads").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["worker11", "viewer1", "nobody"])
def test_only_area_operators_may_import(district: District, api, username):
    client = api(username)
    assert client.get("/import/").status_code == 403
    assert post_file(client, "b.geojson", geojson_bytes(BUILDINGS)).status_code == 403
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, district: District):
    response = client.get("/import/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_job_is_visible_only_to_its_user(district: District, api, sync_jobs):
    job = started_job(post_file(api("town1"), "buildings.geojson", geojson_bytes(BUILDINGS)))
    for username in ("town2", "county", "admin"):
        other = api(username)
        assert other.get(f"/import/jobs/{job.pk}/").status_code == 404
        assert other.get(f"/import/?job={job.pk}").status_code == 404
        assert other.get(f"/import/jobs/{job.pk}/rejects.csv").status_code == 404
        assert other.post(f"/import/jobs/{job.pk}/commit/").status_code == 404
    assert ImportJob.objects.count() == 1


@pytest.mark.django_db
def test_the_county_operator_imports_the_whole_county(district: District, api, sync_jobs):
    """The area is the user's: the county operator's area holds both towns, so NB5 is accepted too."""
    client = api("county")
    report = job_json(client, started_job(post_file(client, "buildings.geojson", geojson_bytes(BUILDINGS))))["report"]
    assert (report["accepted"], report["rejected"]) == (4, 2)


@pytest.mark.django_db
def test_progress_is_written_at_each_phase_and_throttled_within_one(district: District):
    job = ImportJob.objects.create(user=district.users["town1"], kind="buildings", file_name="b.geojson")
    progress = jobs.JobProgress(job.pk, every=3600)
    progress("read", 0, 10)
    progress("read", 5, 10)  # same phase, within the interval: not written
    job.refresh_from_db()
    assert (job.phase, job.done, job.total) == ("read", 0, 10)
    progress("validate", 2, 10)
    job.refresh_from_db()
    assert (job.phase, job.done, job.total) == ("validate", 2, 10)


@pytest.mark.django_db
def test_the_map_header_links_to_the_upload_page_for_importers_only(district: District, api):
    assert 'href="/import/"' in api("town1").get("/map/").content.decode()
    assert 'href="/import/"' not in api("worker11").get("/map/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_runs_the_job_and_commits(import_tmp, monkeypatch):
    """The real path: a thread with its own connection; the page polls until the job has finished."""
    from tests.conftest import build_district

    district = build_district()
    client = district.client("town1")
    dry_run = started_job(post_file(client, "buildings.geojson", geojson_bytes(BUILDINGS)))
    assert wait_for(client, dry_run)["report"]["inserted"] == 3
    assert not Building.objects.filter(code__in=NEW_CODES).exists()
    committed = started_job(client.post(f"/import/jobs/{dry_run.pk}/commit/"))
    data = wait_for(client, committed)
    assert (data["status"], data["report"]["committed"], data["report"]["inserted"]) == ("done", True, 3)
    assert sorted(Building.objects.filter(code__in=NEW_CODES).values_list("code", flat=True)) == NEW_CODES


def wait_for(client, job: ImportJob, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = job_json(client, job)
        if data["finished"]:
            return data
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} did not finish: {data}")


@pytest.mark.django_db
def test_the_page_speaks_english_on_request(district: District, api, sync_jobs, settings):
    client = api("town1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    job = started_job(post_file(client, "buildings.geojson", geojson_bytes(BUILDINGS)))
    html = client.get(f"/import/?job={job.pk}").content.decode()
    assert "Data kind" in html and '<option value="buildings">buildings</option>' in html
    assert "Dry run result: the database is unchanged" in html and "Top reject reasons" in html
    assert "数据类型" not in html and "试运行结果" not in html
    assert 'class="gm-import-link">Import data</a>' in client.get("/map/").content.decode()


def households_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["房屋编码", "楼栋编码", "单元", "楼层", "房号", "分类"],
                ["H-U1", "B1", 1, 3, "301", "关心"],  # row 2: B1 is in town 1
                ["H-U2", "B3", 1, 1, "102", None],  # row 3: B3 is in town 2
                ["H-U3", "B9", 1, 1, "101", None]):  # row 4: no such building
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_household_register_in_xlsx_is_scoped_to_the_users_area(district: District, api, sync_jobs):
    client = api("town1")
    dry_run = started_job(post_file(client, "households.xlsx", households_xlsx(), kind="households"))
    report = job_json(client, dry_run)["report"]
    assert (report["format"], report["read"], report["accepted"], report["inserted"], report["rejected"]) == \
        ("Excel (XLSX)", 3, 1, 1, 2)
    reasons = {r["row"]: (r["field"], r["reason"].split(" / ")[0]) for r in report["rejects"]}
    assert reasons == {3: ("building_code", "楼栋不在您的管辖区域内"),
                       4: ("building_code", "楼栋编码不存在（房屋引用了未知楼栋）")}
    committed = started_job(client.post(f"/import/jobs/{dry_run.pk}/commit/"))
    assert job_json(client, committed)["report"]["inserted"] == 1
    household = Household.objects.get(code="H-U1")
    assert (household.building.code, household.floor, household.room, household.tier) == ("B1", 3, "301", "yellow")
    assert not Household.objects.filter(code__in=["H-U2", "H-U3"]).exists()
