"""Case figures by area and period (issue 5 "Figures"): exact figures on a hand-built set of cases, drill-down,
scoping, period boundaries, every figure's linked case list, the XLSX export and the dashboard page."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point

from casefigures import definitions, service
from layers.models.incidents import Incident
from tests.conftest import District

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
COUNTY, TOWN1, TOWN2, VILLAGE1 = "420102000000", "420102001000", "420102002000", "420102001001"
GRID11, GRID12 = "420102001001001", "420102001001002"


def bj(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BEIJING)


# code: (grid, building, lon, lat, category, source, status, reported, deadline, closed, satisfaction)
IN_B1 = (114.0705, 30.1005)
IN_B3 = (114.3005, 30.1005)
CASES = {
    "A": ("grid11", "b1", *IN_B1, "城市管理/占道经营", "grid_worker", "archived", bj(3, 2), bj(3, 5), bj(3, 3),
          "satisfied"),
    "B": ("grid11", "b1", *IN_B1, "城市管理/乱堆乱放", "grid_worker", "resolved", bj(3, 3), bj(3, 4), bj(3, 6), None),
    "C": ("grid11", None, 114.06, 30.06, "环境卫生/污水外溢", "grid_worker", "in_progress", bj(3, 10), bj(3, 12), None,
          None),
    "D": ("grid11", None, 114.09, 30.14, "矛盾纠纷/邻里纠纷", "grid_worker", "followed_up", bj(3, 15), bj(3, 22),
          bj(3, 16), "basic"),
    # 33 m north of D: a repeat by distance; reported 30 minutes before the period ends
    "E": ("grid11", None, 114.09, 30.1403, "矛盾纠纷/物业纠纷", "grid_worker", "reported", bj(3, 31, 23, 30), None,
          None, None),
    "F": ("grid11", None, 114.06, 30.12, "社会治安/噪音扰民", "hotline", "rejected", bj(3, 20), None, bj(3, 20, 10),
          None),
    # reopened by an unsatisfied follow-up: in progress again, its new deadline far away
    "G": ("grid11", None, 114.08, 30.07, "公共设施/路灯损坏", "grid_worker", "in_progress", bj(3, 5),
          bj(1, 1, year=2099), None, "unsatisfied"),
    # just outside the period, at the same building as A and B
    "H": ("grid11", "b1", *IN_B1, "城市管理/占道经营", "grid_worker", "archived", bj(2, 28, 23, 59), bj(3, 3),
          bj(3, 1), None),
    "I": ("grid11", "b1", *IN_B1, "城市管理/占道经营", "grid_worker", "reported", bj(4, 1, 0, 0), None, None, None),
    "J": ("grid12", "b2", 114.1003, 30.10025, "环境卫生/垃圾清运不及时", "web", "resolved", bj(3, 8, 10), bj(3, 9),
          bj(3, 8, 20), None),
    "K": ("grid21", "b3", *IN_B3, "矛盾纠纷/劳资纠纷", "walk_in", "archived", bj(3, 12), bj(3, 13), bj(3, 14),
          "satisfied"),
    "L": ("grid21", "b3", *IN_B3, "安全隐患/燃气隐患", "grid_worker", "accepted", bj(3, 18), bj(3, 20), None, None),
}

NAMES = [c.name for c in definitions.COUNTS]
# total, due, resolved, on_time, late, overdue, disputes, disputes_resolved, followed_up, satisfied, repeat
EXPECTED = {
    COUNTY: (10, 9, 5, 3, 2, 2, 3, 2, 4, 3, 6),
    TOWN1: (8, 7, 4, 3, 1, 1, 2, 1, 3, 2, 4),
    TOWN2: (2, 2, 1, 0, 1, 1, 1, 1, 1, 1, 2),
    VILLAGE1: (8, 7, 4, 3, 1, 1, 2, 1, 3, 2, 4),
    GRID11: (7, 6, 3, 2, 1, 1, 2, 1, 3, 2, 4),
    GRID12: (1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
}


@pytest.fixture
def cases(district: District) -> dict[str, Incident]:
    made = {}
    for code, (grid, building, lon, lat, category, source, status, reported, deadline, closed, satisfaction) in (
            CASES.items()):
        made[code] = Incident.objects.create(
            code=f"SJF{code}", title=category.split("/")[-1], category=category, source=source, status=status,
            location=Point(lon, lat, srid=4326), grid=getattr(district, grid),
            building=getattr(district, building) if building else None, reported_at=reported, deadline=deadline,
            closed_at=closed, satisfaction=satisfaction)
    return made


def counts(row: dict) -> tuple[int, ...]:
    return tuple(row["counts"][name]["value"] for name in NAMES)


def get(api, user: str, url: str, **params):
    return api(user).get(url, params)


def figures(api, user: str = "admin", **params) -> dict:
    response = get(api, user, "/api/figures/", **{**MARCH, **params})
    assert response.status_code == 200, response.content
    return response.json()


# ---- exact figures --------------------------------------------------------------------------------------


def test_county_figures_are_exact(api, cases):
    data = figures(api, area=COUNTY)
    total = data["total"]
    assert (data["area"], data["period"], data["group_by"]) == (
        {"code": COUNTY, "name": "测试区", "level": "county"},
        {"start": "2026-03-01", "end": "2026-03-31", "basis": "reported_at"}, "town")
    assert counts(total) == EXPECTED[COUNTY]
    assert {name: r["value"] for name, r in total["rates"].items()} == {
        "resolution_rate": 0.5556, "on_time_rate": 0.6, "dispute_rate": 0.6667, "satisfaction_rate": 0.75}
    # resolved cases handled in 24, 72, 24, 10 and 48 hours: mean 35.6, p90 48 + 0.6 × 24
    assert (total["handling"]["mean_hours"], total["handling"]["p90_hours"]) == (35.6, 62.4)
    by = {dim: {item["value"]: item["count"] for item in items} for dim, items in total["breakdown"].items()}
    assert by["status"] == {"archived": 2, "resolved": 2, "in_progress": 2, "followed_up": 1, "reported": 1,
                            "rejected": 1, "accepted": 1}
    assert by["source"] == {"grid_worker": 7, "hotline": 1, "web": 1, "walk_in": 1}
    assert sum(by["category"].values()) == 10 and by["category"]["矛盾纠纷/邻里纠纷"] == 1
    assert [item["label"] for item in total["breakdown"]["source"]] == ["网格员上报", "12345热线", "来访登记",
                                                                        "网上信箱"]  # by count, then by value


def test_children_and_drill_down_by_level(api, cases):
    county = figures(api, area=COUNTY)
    assert [(c["code"], c["name"], c["level"], counts(c)) for c in county["children"]] == [
        (TOWN1, "西街道", "town", EXPECTED[TOWN1]), (TOWN2, "东街道", "town", EXPECTED[TOWN2])]
    town = figures(api, area=county["children"][0]["code"])
    assert [(c["code"], c["level"], counts(c)) for c in town["children"]] == [
        (VILLAGE1, "village", EXPECTED[VILLAGE1])]
    village = api("admin").get(town["children"][0]["drill"]).json()
    assert [(c["code"], c["level"], counts(c)) for c in village["children"]] == [
        (GRID11, "grid", EXPECTED[GRID11]), (GRID12, "grid", EXPECTED[GRID12])]
    assert [p["code"] for p in village["parents"]] == [COUNTY, TOWN1]
    grid = figures(api, area=GRID11)
    assert counts(grid["total"]) == EXPECTED[GRID11] and grid["children"] == []
    # the whole country for the superuser: its counties; group_by skips levels
    assert [(c["code"], counts(c)) for c in figures(api)["children"]] == [(COUNTY, EXPECTED[COUNTY])]
    assert [c["code"] for c in figures(api, area=COUNTY, group_by="grid")["children"]] == [
        GRID11, GRID12, "420102002001001"]


def test_a_dispute_case_counts_once_the_category_prefix_is_matched_whole(api, district, cases):
    Incident.objects.create(code="SJFX", title="x", category="矛盾纠纷调解室/其他", source="web", status="reported",
                            location=Point(114.3, 30.06, srid=4326), grid=district.grid21, reported_at=bj(3, 9))
    assert figures(api, area=TOWN2)["total"]["counts"]["disputes"]["value"] == 1


# ---- scoping --------------------------------------------------------------------------------------------


def test_town_operator_sees_only_its_town_and_other_areas_are_404(api, cases):
    own = figures(api, "town1")
    assert own["area"]["code"] == TOWN1 and counts(own["total"]) == EXPECTED[TOWN1]
    for area in (TOWN2, COUNTY, "420102002001001"):
        assert get(api, "town1", "/api/figures/", area=area, **MARCH).status_code == 404
    assert counts(figures(api, "worker11")["total"]) == EXPECTED[GRID11]
    assert get(api, "worker11", "/api/figures/", area=GRID12, **MARCH).status_code == 404
    assert get(api, "nobody", "/api/figures/", **MARCH).status_code == 404
    assert get(api, "admin", "/api/figures/", area="420102009000", **MARCH).status_code == 404


@pytest.mark.parametrize("params, field", [
    ({"area": "12ab"}, "area"), ({"area": "4201020"}, "area"), ({"start": "2026-02-30"}, "start"),
    ({"start": "2026-04-01", "end": "2026-03-01"}, "start"), ({"group_by": "village", "area": GRID11}, "group_by"),
])
def test_bad_parameters_are_400_naming_the_field(api, cases, params, field):
    response = get(api, "admin", "/api/figures/", **{**MARCH, **params})
    assert response.status_code == 400 and response.json()["field"] == field


# ---- period boundaries ----------------------------------------------------------------------------------


def test_period_days_are_whole_beijing_days(api, cases):
    def total(start: str, end: str) -> int:
        return figures(api, area=COUNTY, start=start, end=end)["total"]["counts"]["total"]["value"]

    assert total("2026-02-28", "2026-02-28") == 1  # H, 23:59 Beijing (15:59 UTC)
    assert total("2026-04-01", "2026-04-01") == 1  # I, 00:00 Beijing (31 March 16:00 UTC)
    assert total("2026-03-31", "2026-03-31") == 1  # E, 23:30 Beijing
    assert total("2026-02-28", "2026-04-01") == 12
    # a repeat needs its peer in the period: A and B alone, then with H
    assert figures(api, area=GRID11, start="2026-03-02", end="2026-03-03")["total"]["counts"]["repeat"]["value"] == 2
    assert figures(api, area=GRID11, start="2026-02-28", end="2026-03-02")["total"]["counts"]["repeat"]["value"] == 2


# ---- traceability ---------------------------------------------------------------------------------------


def linked_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    return response.json()["count"]


@pytest.mark.parametrize("user, area", [("admin", COUNTY), ("county", None), ("town1", None), ("admin", GRID11)])
def test_every_figure_links_to_exactly_its_cases(api, cases, user, area):
    client = api(user)
    data = figures(api, user, **({"area": area} if area else {}))
    checked = 0
    for row in [data["total"], *data["children"]]:
        for name, figure in row["counts"].items():
            assert linked_count(client, figure["cases"]) == figure["value"], (row["code"], name, figure["cases"])
            checked += 1
        for items in row["breakdown"].values():
            for item in items:
                assert linked_count(client, item["cases"]) == item["count"], (row["code"], item["cases"])
        assert linked_count(client, row["handling"]["cases"]) == row["counts"]["resolved"]["value"]
    assert checked >= len(NAMES)


def test_linked_lists_hold_the_expected_cases(api, cases):
    row = figures(api, area=COUNTY)["total"]["counts"]
    codes = {name: sorted(i["code"][3:] for i in api("admin").get(row[name]["cases"]).json()["results"])
             for name in ("repeat", "overdue", "late", "satisfied", "disputes_resolved")}
    assert codes == {"repeat": ["A", "B", "D", "E", "K", "L"], "overdue": ["C", "L"], "late": ["B", "K"],
                     "satisfied": ["A", "D", "K"], "disputes_resolved": ["D", "K"]}


# ---- XLSX export and the dashboard page -----------------------------------------------------------------


def test_xlsx_export_reads_back_equal_to_the_api(api, cases):
    data = figures(api, area=COUNTY)
    response = get(api, "admin", "/figures/export.xlsx", area=COUNTY, **MARCH)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="figures-{COUNTY}-2026-03-01-2026-03-31.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["指标", "分类", "说明"]
    header, *rows = [list(r) for r in book["指标"].iter_rows(values_only=True)]
    assert header[:5] == ["区域代码", "名称", "层级", "事件总数", "应办"] and "满意率" in header
    expected = [[row["code"], row["name"], row["level"], *counts(row),
                 *(row["rates"][r.name]["value"] for r in definitions.RATES),
                 row["handling"]["mean_hours"], row["handling"]["p90_hours"]]
                for row in (data["total"], *data["children"])]
    assert rows == expected
    assert rows[0][3] == 10 and rows[1][:4] == [TOWN1, "西街道", "town", 8]
    breakdown = [list(r) for r in book["分类"].iter_rows(values_only=True)][1:]
    assert [r[5] for r in breakdown if r[0] == COUNTY and r[2] == "按渠道"] == [7, 1, 1, 1]
    assert get(api, "town1", "/figures/export.xlsx", area=COUNTY).status_code == 404


def test_dashboard_page_renders_the_tables_with_drill_down_links(api, cases):
    page = get(api, "admin", "/figures/", area=COUNTY, **MARCH)
    assert page.status_code == 200
    html = page.content.decode()
    assert "事件统计" in html and "办结率" in html and 'id="figures-children"' in html
    assert f'href="?area={TOWN1}&amp;start=2026-03-01&amp;end=2026-03-31">西街道</a>' in html
    assert '<td data-figure="total"><a href="/api/incidents/?area=420102000000&amp;reported_from=2026-03-01' in html
    assert '<td data-figure="resolution_rate"><a href="' in html and "55.6%" in html
    denied = get(api, "town1", "/figures/", area=COUNTY)
    assert denied.status_code == 404 and "不在您的管辖范围内" in denied.content.decode()


def test_dashboard_in_english(api, cases):
    client = api("town1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/figures/", MARCH).content.decode()
    assert "Case figures" in html and "Resolution rate" in html and "办结率" not in html


def test_service_takes_dates_and_a_fixed_now(district, cases):
    data = service.figures(district.users["admin"], COUNTY, dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                           now=bj(3, 11))
    # on 11 March no deadline had passed (C's is 12 March, L's 20 March); on 13 March C's had
    assert data["total"]["counts"]["overdue"]["value"] == 0
    assert service.figures(district.users["admin"], COUNTY, dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                           now=bj(3, 13))["total"]["counts"]["overdue"]["value"] == 1


def test_repeats_within_50_metres_on_the_ground_not_55(api, district, cases):
    """Two cases 45 m apart (north–south, 1° of latitude ≈ 111,195 m) are repeats; two 55 m apart are not."""
    def case(code: str, lon: float, lat: float) -> None:
        Incident.objects.create(code=code, title="x", category="公共设施/井盖破损", source="web", status="reported",
                                location=Point(lon, lat, srid=4326), grid=district.grid21, reported_at=bj(5, 6))

    case("SJF45A", 114.28, 30.08)
    case("SJF45B", 114.28, 30.08 + 45 / 111_195)
    case("SJF55A", 114.32, 30.08)
    case("SJF55B", 114.32, 30.08 + 55 / 111_195)
    may = {"start": "2026-05-01", "end": "2026-05-31"}
    repeat = figures(api, area=TOWN2, **may)["total"]["counts"]["repeat"]
    assert repeat["value"] == 2
    assert sorted(i["code"] for i in api("admin").get(repeat["cases"]).json()["results"]) == ["SJF45A", "SJF45B"]


def test_bench_suite_on_the_district_checks_its_figures_and_keeps_the_plans(cases, tmp_path):
    import json

    from bench.report import write_json
    from bench.runner import run_suite
    from bench.suites import SuiteOptions

    rows, payload = run_suite("figures", SuiteOptions(repeats=1))
    figure_rows = [r for r in rows if r.measurement == "figures"]
    # the newest case (I, 1 April) ends both periods: a year holds all 12, 30 days (3 March – 1 April) 10
    assert [(r.layer, r.gate_ok) for r in figure_rows] == [
        ("city, 365 days", True), ("city, 30 days", True), (f"county {COUNTY}, 365 days", True),
        (f"county {COUNTY}, 30 days", True), (f"town {TOWN1}, 365 days", True), (f"town {TOWN1}, 30 days", True)]
    assert figure_rows[0].note.startswith("2025-04-02..2026-04-01: total 12, ORM 12, children 12")
    assert figure_rows[1].note.startswith("2026-03-03..2026-04-01: total 10, ORM 10, children 10")
    plans = [r for r in rows if r.measurement == "figures plan"]
    assert len(plans) == 3 * len(figure_rows)
    write_json(tmp_path / "figures.json", payload)
    saved = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))["rows"]
    assert all(row["plan"][0]["Plan"]["Node Type"] for row in saved if row["measurement"] == "figures plan")
    assert all("shared hit" in row["note"] for row in saved if row["measurement"] == "figures plan")
