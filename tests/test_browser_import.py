"""The upload page in a real headless Chromium: upload, watch the dry run, read its summary, download the reject
report, commit, and find the buildings in the database. The job runs in the server's background thread."""

from __future__ import annotations

import csv
import json

from importers.models import ImportJob
from layers.models import Building
from tests.browser import ARTIFACTS, BROWSER_MARKS
from tests.conftest import PASSWORD, District
from tests.test_import_upload import BUILDINGS, EXPECTED_REJECTS, NEW_CODES, reject_rows

pytestmark = BROWSER_MARKS


def counts(page) -> dict[str, int]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#import-counts [data-count]')]
        .map(td => [td.dataset.count, Number(td.textContent)]))""")


def test_a_town_operator_uploads_checks_and_commits_buildings(page, live_server, district: District, settings,
                                                              tmp_path):
    settings.GEOGOV_IMPORT_TMP = str(tmp_path / "imports")
    source = tmp_path / "buildings.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": BUILDINGS}, ensure_ascii=False))

    page.goto(f"{live_server.url}/accounts/login/?next=/import/")
    page.fill("input[name=username]", "town1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/import/")
    page.select_option("#id_kind", "buildings")
    page.set_input_files("#id_file", str(source))
    page.click("#import-submit")

    # the page polls the job and shows the dry run's summary once it has finished
    page.wait_for_selector("#import-counts", timeout=30_000)
    assert counts(page) == {"read": 6, "accepted": 3, "rejected": 3, "inserted": 3, "updated": 0, "unchanged": 0,
                            "assigned": 3}
    assert "试运行结果：数据库未改变" in page.inner_text("#import-counts caption")
    assert "不在您的管辖区域内" in page.inner_text("#import-reasons")
    assert not Building.objects.filter(code__in=NEW_CODES).exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-dry-run.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#rejects-csv")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "buildings-rejects.csv"
    with open(saved, encoding="utf-8-sig", newline="") as handle:
        assert reject_rows(list(csv.reader(handle))[1:]) == EXPECTED_REJECTS

    page.click("#import-commit")
    page.wait_for_function("() => document.querySelector('#import-counts caption')?.textContent.includes('已写入')",
                           timeout=30_000)
    assert counts(page)["inserted"] == 3
    written = dict(Building.objects.filter(code__in=NEW_CODES).values_list("code", "grid__code"))
    assert written == {"NB1": district.grid11.code, "NB2": district.grid12.code, "NB3": district.grid11.code}
    assert list(ImportJob.objects.order_by("pk").values_list("commit", "status")) == [(False, "done"), (True, "done")]
    assert page.errors == []
