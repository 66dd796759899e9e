"""Every kind imports, links and is assigned: real CSV/XLSX/GeoJSON files with Chinese headers, on the
``district`` fixture, through ``run_import`` and through ``manage.py import_layer``.

Each kind's file mixes new rows, a changed existing row and rows that must be refused; the tests assert
the exact counts, the reasons, what was linked and assigned where, that grid figures equal a recount,
and that importing the same file again writes nothing (row versions — PostgreSQL's xmin — unchanged).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import shapely
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection

from importers.core import ImportRequest, run_import
from importers.report import ImportReport
from layers.models import Building, Division, Grid, Household, Incident, Resident, Sensor, Unit
from tests.conftest import District, box, make_id_number

pytestmark = pytest.mark.django_db

TOWN1_AREA, TOWN2_AREA = "420102001", "420102002"


# ---------------------------------------------------------------- files

def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rect(minx: float, miny: float, maxx: float, maxy: float) -> dict:
    """A GeoJSON polygon, exterior ring counter-clockwise (as the importer orients it)."""
    return shapely.geometry.mapping(shapely.geometry.box(minx, miny, maxx, maxy, ccw=True))


def write_geojson(path: Path, features: list[tuple[dict, dict]]) -> Path:
    collection = {"type": "FeatureCollection",
                  "features": [{"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------- running

def run(kind: str, path: Path, commit: bool = True, area: str = "") -> ImportReport:
    return run_import(ImportRequest(kind=kind, path=path, commit=commit, area_prefix=area))


def cli(kind: str, path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_layer", kind, str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def counts(report: ImportReport) -> dict[str, int]:
    return {"read": report.read, "inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "rejected": report.rejected}


def reasons(report: ImportReport) -> dict[int, tuple[str, str]]:
    """Row → (field, the zh-Hans part of the reason)."""
    return {r.row: (r.field, r.reason.split(" / ")[0]) for r in report.rejects}


def summary_counts(out: str) -> dict[str, int]:
    """The counts of the CLI summary."""
    words = out.replace("·", " ").replace(",", "").split()
    return {w: int(words[i + 1]) for i, w in enumerate(words[:-1])
            if w in ("read", "accepted", "rejected", "inserted", "updated", "unchanged") and words[i + 1].isdigit()}


def versions(table: str) -> dict[int, str]:
    """id → xmin: a row's version, which changes whenever the row is written."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text FROM {table}")  # noqa: S608 — table names are ours
        return dict(cursor.fetchall())


def figures(grid: Grid) -> tuple[int, int, int, int, int]:
    return grid.households, grid.residents, grid.tier_green, grid.tier_yellow, grid.tier_red


def recount(grid: Grid) -> tuple[int, int, int, int, int]:
    """The figures of a grid counted from the rows: its own buildings and its sub-grids'."""
    households = Household.objects.filter(building__grid__code__startswith=grid.code)
    return (households.count(), Resident.objects.filter(household__building__grid__code__startswith=grid.code).count(),
            *(households.filter(tier=t).count() for t in ("green", "yellow", "red")))


def assert_figures_match() -> None:
    for grid in Grid.objects.all():
        assert figures(grid) == recount(grid), grid.code


def assert_reimport_writes_nothing(kind: str, path: Path, table: str, accepted: int) -> None:
    before, grids_before = versions(table), versions("layers_grid")
    report = run(kind, path)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, accepted)
    assert versions(table) == before
    assert versions("layers_grid") == grids_before


# ---------------------------------------------------------------- divisions

def divisions_file(tmp_path: Path, renamed: str = "西一社区（改名）") -> Path:
    return write_geojson(tmp_path / "divisions.geojson", [
        ({"区划代码": "420102003001", "名称": "南一社区"}, rect(114.21, 30.01, 114.25, 30.04)),  # 1: town below
        ({"区划代码": "420102003000", "名称": "南街道"}, rect(114.20, 30.00, 114.30, 30.05)),  # 2: new town
        ({"区划代码": "420102001002", "名称": "西二社区"}, rect(114.16, 30.05, 114.19, 30.15)),  # 3: town in DB
        ({"区划代码": "420102004001", "名称": "无上级社区"}, rect(114.36, 30.01, 114.39, 30.04)),  # 4: no parent
        ({"区划代码": "420102001001", "名称": renamed}, rect(114.05, 30.05, 114.15, 30.15)),  # 5: existing
        ({"区划代码": "420102003001", "名称": "重复"}, rect(114.21, 30.01, 114.25, 30.04)),  # 6: duplicate
        ({"区划代码": "4201020030", "名称": "短码"}, rect(114.21, 30.01, 114.25, 30.04)),  # 7: bad code
    ])


def test_divisions_levels_parents_and_rejects(district: District, tmp_path: Path):
    path = divisions_file(tmp_path)
    report = run("divisions", path)
    assert counts(report) == {"read": 7, "inserted": 3, "updated": 1, "unchanged": 0, "rejected": 3}
    assert report.updated_keys == ["420102001001"]
    assert reasons(report) == {
        4: ("code", "上级区划 420102004000 不存在（库中和文件中都没有）"),
        6: ("区划代码", "编码重复，与第 1 行相同"),
        7: ("区划代码", "编码格式错误，应为12位统计用区划代码"),
    }
    levels = {d.code: (d.level, d.parent.code if d.parent else None) for d in Division.objects.all()}
    assert levels["420102003000"] == ("town", "420102000000")
    assert levels["420102003001"] == ("village", "420102003000")
    assert levels["420102001002"] == ("village", "420102001000")
    assert Division.objects.get(code="420102001001").name == "西一社区（改名）"
    assert_reimport_writes_nothing("divisions", path, "layers_division", 4)


def test_divisions_area_scoping_and_cli(district: District, tmp_path: Path):
    path = divisions_file(tmp_path)
    scoped = run("divisions", path, commit=False, area=TOWN1_AREA)
    # only the town-1 rows (3, 5) stay; the south town and its village are another town's
    assert (scoped.inserted, scoped.updated, scoped.rejected) == (1, 1, 5)
    assert reasons(scoped)[2] == ("code", "不在您的管辖区域内")
    assert reasons(scoped)[1] == ("code", "不在您的管辖区域内")
    out = cli("divisions", path)  # dry run: counted, not written
    assert summary_counts(out) == {"read": 7, "accepted": 4, "rejected": 3, "inserted": 3, "updated": 1,
                                   "unchanged": 0}
    assert "试运行，未写入" in out
    assert not Division.objects.filter(code="420102003000").exists()


# ---------------------------------------------------------------- grids

G11 = "420102001001001"


def grids_file(tmp_path: Path, name: str = "西一一分网格") -> Path:
    return write_geojson(tmp_path / "grids.geojson", [
        ({"网格编码": G11 + "0101", "网格名称": "三级网格"}, rect(114.06, 30.09, 114.08, 30.11)),  # 1: parent below
        ({"网格编码": G11 + "01", "网格名称": name, "网格类型": "综合"}, rect(114.05, 30.05, 114.08, 30.15)),  # 2
        ({"网格编码": G11 + "02", "网格名称": "西一二分网格", "网格类型": "学校"}, rect(114.08, 30.05, 114.10, 30.15)),
        ({"网格编码": G11 + "03", "网格名称": "越界网格"}, rect(114.09, 30.05, 114.12, 30.15)),  # 4: not in parent
        ({"网格编码": "420102001001002" + "0501", "网格名称": "无上级"}, rect(114.11, 30.06, 114.12, 30.07)),  # 5
        ({"网格编码": "420102009001001", "网格名称": "无社区"}, rect(114.21, 30.06, 114.22, 30.07)),  # 6
        ({"网格编码": "420102002001002", "网格名称": "出村网格"}, rect(114.30, 30.10, 114.39, 30.19)),  # 7
        ({"网格编码": "420102001001003", "网格名称": "类型错", "网格类型": "火星"}, rect(114.06, 30.06, 114.07, 30.07)),
        ({"网格编码": G11 + "0301", "网格名称": "上级被拒"}, rect(114.09, 30.06, 114.095, 30.07)),  # 9: parent is row 4
    ])


def test_grids_levels_assignment_and_figures(district: District, tmp_path: Path):
    inside_b1 = Point(114.0705, 30.1005, srid=4326)
    sensor = Sensor.objects.create(device_id="S-B1", kind="smoke", location=inside_b1, grid=district.grid11)
    incident = Incident.objects.create(code="E-B1", title="t", category="c", source="hotline", location=inside_b1,
                                       grid=district.grid11, reported_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
    path = grids_file(tmp_path)
    report = run("grids", path)
    assert counts(report) == {"read": 9, "inserted": 3, "updated": 0, "unchanged": 0, "rejected": 6}
    assert reasons(report) == {
        4: ("geometry", f"网格超出上级网格 {G11} 的边界"),
        5: ("geometry", "上级网格 42010200100100205 不存在（库中和文件中都没有）"),
        6: ("code", "所属村（社区）420102009001 不存在"),
        7: ("geometry", "网格超出所属村（社区）420102002001 的边界"),
        8: ("网格类型", "取值无效：火星（可选：综合网格、专属网格·学校、专属网格·医院、专属网格·商场市场、"
                        "专属网格·企业园区）"),
        9: ("geometry", f"上级网格 {G11}03 不存在（库中和文件中都没有）"),
    }
    leaf = Grid.objects.get(code=G11 + "0101")
    assert (leaf.level, leaf.parent.code, leaf.division.code) == (3, G11 + "01", "420102001001")
    assert Grid.objects.get(code=G11 + "02").kind == "school"
    # b1 and what stands in it moved down to the new leaf; b2 stays in grid 12 (most of it is there)
    district.b1.refresh_from_db(), district.b2.refresh_from_db(), sensor.refresh_from_db(), incident.refresh_from_db()
    assert (district.b1.grid_id, sensor.grid_id, incident.grid_id) == (leaf.pk,) * 3
    assert district.b2.grid.code == "420102001001002"
    assert report.assigned == 3
    assert figures(leaf) == (2, 4, 1, 0, 1) == recount(leaf)
    assert_figures_match()
    grid11 = Grid.objects.get(code=G11)
    assert figures(grid11) == (2, 4, 1, 0, 1)  # counts its sub-grids
    assert_reimport_writes_nothing("grids", path, "layers_grid", 3)

    changed = run("grids", grids_file(tmp_path, name="改名"))
    assert (changed.inserted, changed.updated, changed.unchanged, changed.updated_keys) == (0, 1, 2, [G11 + "01"])
    renamed = Grid.objects.get(code=G11 + "01")
    assert (renamed.name, renamed.revision) == ("改名", 2)

    shrunk = write_geojson(tmp_path / "shrunk.geojson", [
        ({"网格编码": G11 + "01", "网格名称": "缩小"}, rect(114.05, 30.05, 114.06, 30.15))])
    refused = run("grids", shrunk)
    assert reasons(refused) == {1: ("geometry", f"新边界未包含已有下级网格 {G11}0101")}
    assert Grid.objects.get(code=G11 + "01").name == "改名"


def test_grids_area_scoping_and_cli(district: District, tmp_path: Path):
    path = grids_file(tmp_path)
    scoped = run("grids", path, commit=False, area=TOWN2_AREA)
    assert (scoped.inserted, scoped.rejected) == (0, 9)
    assert reasons(scoped)[2] == ("code", "不在您的管辖区域内")
    out = cli("grids", path)
    assert summary_counts(out) == {"read": 9, "accepted": 3, "rejected": 6, "inserted": 3, "updated": 0,
                                   "unchanged": 0}
    assert Grid.objects.count() == 3  # dry run
    out = cli("grids", path, "--commit")
    assert "已写入" in out and Grid.objects.count() == 6
    assert summary_counts(cli("grids", path, "--commit"))["unchanged"] == 3


# ---------------------------------------------------------------- households

HOUSEHOLD_HEADER = ["房屋编码", "楼栋编码", "楼栋地址", "单元", "楼层", "房号", "分类"]


def households_file(tmp_path: Path, b1_tier: str = "连心户") -> Path:
    return write_xlsx(tmp_path / "households.xlsx", HOUSEHOLD_HEADER, [
        ["H-N1", "B3", None, 2, 5, "501", "关心"],  # 2: new, new unit 2 of B3
        ["H-N2", None, "西一路2号", None, 1, "102", None],  # 3: by address, tier green by default
        ["H-N3", "B9", None, 1, 1, "101", None],  # 4: unknown building
        ["H-N4", None, "不存在路9号", 1, 1, "101", None],  # 5: unknown address
        ["H-N1", "B3", None, 2, 5, "502", None],  # 6: duplicate code
        ["B1-1-101", "B1", None, 1, 1, "101", b1_tier],  # 7: existing: tier green → red
        ["H-N5", "B1", None, 1, 1, "101", None],  # 8: B1 unit 1 room 101 is B1-1-101's
        ["H-N6", None, None, 1, 1, "101", None],  # 9: no building at all
        ["H-N7", "B3", None, 1, 3, "302", "紫"],  # 10: bad tier
        ["H-N8", None, "东一路1号", 1, 1, "103", None],  # 11: two buildings have this address
    ])


@pytest.fixture
def twin_address(district: District) -> Building:
    return Building.objects.create(code="B4", address="东一路1号", village=district.village2, grid=district.grid21,
                                   footprint=box(114.302, 30.100, 114.303, 30.101))


def test_households_link_and_figures(district: District, twin_address, tmp_path: Path):
    path = households_file(tmp_path)
    report = run("households", path)
    assert counts(report) == {"read": 10, "inserted": 2, "updated": 1, "unchanged": 0, "rejected": 7}
    assert report.updated_keys == ["B1-1-101"]
    assert reasons(report) == {
        4: ("building_code", "楼栋编码不存在（房屋引用了未知楼栋）"),
        5: ("building_address", "没有楼栋的地址为该地址"),
        6: ("房屋编码", "编码重复，与第 2 行相同"),
        8: ("room", "该楼栋单元房号已有房屋 B1-1-101"),
        9: ("building_code", "缺少楼栋编码或楼栋地址"),
        10: ("分类", "取值无效：紫（可选：放心户、关心户、连心户）"),
        11: ("building_address", "该地址对应 2 个楼栋，请改用楼栋编码"),
    }
    n1, n2 = Household.objects.get(code="H-N1"), Household.objects.get(code="H-N2")
    assert (n1.building.code, n1.unit.number, n1.floor, n1.room, n1.tier) == ("B3", 2, 5, "501", "yellow")
    assert (n2.building.code, n2.unit, n2.tier, n2.building.grid.code) == ("B2", None, "green", "420102001001002")
    assert Household.objects.get(code="B1-1-101").tier == "red"
    assert Unit.objects.filter(building=district.b3).count() == 2
    assert report.assigned == 3
    assert_figures_match()
    assert figures(Grid.objects.get(code="420102002001001")) == (2, 2, 1, 1, 0)
    units = Unit.objects.count()
    assert_reimport_writes_nothing("households", path, "layers_household", 3)
    assert Unit.objects.count() == units

    back = run("households", households_file(tmp_path, b1_tier="放心"))
    assert (back.updated, back.unchanged, back.updated_keys) == (1, 2, ["B1-1-101"])
    assert_figures_match()


def test_households_area_scoping_and_cli(district: District, twin_address, tmp_path: Path):
    path = households_file(tmp_path)
    scoped = run("households", path, commit=False, area=TOWN1_AREA)
    assert (scoped.inserted, scoped.updated, scoped.rejected) == (1, 1, 8)
    assert reasons(scoped)[2] == ("building_code", "楼栋不在您的管辖区域内")
    out = cli("households", path)
    assert summary_counts(out) == {"read": 10, "accepted": 3, "rejected": 7, "inserted": 2, "updated": 1,
                                   "unchanged": 0}
    assert not Household.objects.filter(code__startswith="H-N").exists()
    assert Household.objects.get(code="B1-1-101").tier == "green"
    rejects = tmp_path / "rejects.csv"
    cli("households", path, "--commit", "--rejects", str(rejects))
    assert Household.objects.filter(code__startswith="H-N").count() == 2
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 7
    assert ("households.xlsx,4,building_code,B9,楼栋编码不存在（房屋引用了未知楼栋） / unknown building code "
            "(units that reference unknown buildings)") in lines
    assert_figures_match()


def test_households_register_wording(district: District, tmp_path: Path):
    """Units written as "2单元", floors as "12层" or left blank (read from the room number)."""
    path = write_csv(tmp_path / "register.csv", ["户编号", "所属楼栋", "单元号", "所在楼层", "门牌号"], [
        ["R-1", "B3", "2单元", "", "1203室"],
        ["R-2", "B3", "2单元", "3层", "301"],
        ["R-3", "B3", "", "", "商铺A"],
        ["R-4", "B3", "二单元", "", "401"],
    ])
    report = run("households", path)
    assert counts(report) == {"read": 4, "inserted": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert reasons(report) == {4: ("floor", "楼层为空，且无法从房号推出"), 5: ("单元号", "不是整数：二")}
    placed = {h.code: (h.unit.number, h.floor, h.room) for h in Household.objects.filter(code__startswith="R-")}
    assert placed == {"R-1": (2, 12, "1203室"), "R-2": (2, 3, "301")}
    assert_figures_match()


# ---------------------------------------------------------------- residents

RESIDENT_HEADER = ["身份证号", "房屋编码", "姓名", "性别", "出生日期", "联系电话", "与户主关系", "人口类型", "关爱标签"]


def bad_checksum(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def residents_file(tmp_path: Path, district: District, zhang_phone: str = "13800000000") -> Path:
    new = make_id_number("420102", dt.date(1950, 3, 4), 11)  # 11: odd → male
    zhang = district.residents[0]
    return write_csv(tmp_path / "residents.csv", RESIDENT_HEADER, [
        [new, "B3-1-301", "王五", "", "", "139 0000 0001", "户主", "户籍", "独居、残疾"],  # 2: sex/birth from ID
        [bad_checksum(make_id_number("420102", dt.date(1970, 1, 1), 21)), "B3-1-301", "错码", "", "", "", "", "", ""],
        [make_id_number("420102", dt.date(1970, 1, 1), 31), "B3-1-301", "错生日", "男", "1971-01-01", "", "", "", ""],
        [make_id_number("420102", dt.date(1970, 1, 1), 41), "B3-1-301", "错电话", "", "", "12345", "", "", ""],
        [make_id_number("420102", dt.date(1970, 1, 1), 51), "B3-1-301", "错类型", "", "", "", "", "火星", ""],
        [make_id_number("420102", dt.date(1970, 1, 1), 61), "NO-SUCH", "无房屋", "", "", "", "", "", ""],
        [zhang.id_number, zhang.household.code, "张三", "男", "1980-05-01", zhang_phone, "户主", "户籍", ""],  # 8
        [new, "B3-1-301", "重复", "", "", "", "", "", ""],  # 9: duplicate ID number
        [make_id_number("420102", dt.date(1970, 1, 1), 72), "B3-1-301", "错性别", "男", "", "", "", "", ""],
    ])


def test_residents_derive_validate_link_and_figures(district: District, tmp_path: Path):
    path = residents_file(tmp_path, district)
    report = run("residents", path)
    assert counts(report) == {"read": 9, "inserted": 1, "updated": 1, "unchanged": 0, "rejected": 7}
    zhang = district.residents[0].id_number
    assert report.updated_keys == [zhang[:4] + "**********" + zhang[-4:]]  # masked
    assert reasons(report) == {
        3: ("身份证号", "身份证号校验位错误"),
        4: ("birth_date", "出生日期与身份证号不符（身份证为1970-01-01）"),
        5: ("联系电话", "电话号码格式错误：12345"),
        6: ("人口类型", "取值无效：火星（可选：户籍人口、流动人口、境外人员）"),
        7: ("household_code", "房屋编码不存在"),
        9: ("身份证号", "编码重复，与第 2 行相同"),
        10: ("sex", "性别与身份证号不符"),
    }
    wang = Resident.objects.get(name="王五")
    assert (wang.sex, wang.birth_date, wang.phone, wang.household.code, wang.care_tags) == (
        "M", dt.date(1950, 3, 4), "13900000001", "B3-1-301", ["disabled", "elderly_alone"])
    assert wang.household.building.grid.code == "420102002001001"
    assert Resident.objects.get(id_number=zhang).phone == "13800000000"
    assert report.assigned == 2
    assert figures(Grid.objects.get(code="420102002001001")) == (1, 3, 1, 0, 0)
    assert_figures_match()
    before = versions("layers_resident")
    again = run("residents", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert versions("layers_resident") == before


def test_residents_move_between_grids_and_area(district: District, tmp_path: Path):
    zhang = district.residents[0]
    path = write_csv(tmp_path / "move.csv", ["身份证号", "房屋编码", "姓名"],
                     [[zhang.id_number, "B3-1-301", "张三"]])
    scoped = run("residents", path, area=TOWN1_AREA)
    assert reasons(scoped) == {2: ("household_code", "房屋不在您的管辖区域内")}
    report = run("residents", path, area=TOWN2_AREA)
    assert reasons(report) == {2: ("id_number", "该身份证号已登记在辖区外的房屋")}
    report = run("residents", path)
    assert (report.updated, report.rejected) == (1, 0)
    assert figures(Grid.objects.get(code="420102001001001"))[1] == 3
    assert figures(Grid.objects.get(code="420102002001001"))[1] == 3
    assert_figures_match()


def test_residents_cli(district: District, tmp_path: Path):
    path = residents_file(tmp_path, district)
    count = Resident.objects.count()
    out = cli("residents", path)
    assert summary_counts(out) == {"read": 9, "accepted": 2, "rejected": 7, "inserted": 1, "updated": 1,
                                   "unchanged": 0}
    assert Resident.objects.count() == count
    cli("residents", path, "--commit")
    assert Resident.objects.count() == count + 1
    assert summary_counts(cli("residents", path, "--commit"))["unchanged"] == 2


def test_residents_xlsx_typed_cells(district: District, tmp_path: Path):
    """Excel registers hold dates as date cells and phone numbers as numbers."""
    born = dt.date(1988, 8, 8)
    number = make_id_number("420102", born, 82)  # 82: even → female
    header = ["公民身份号码", "户编号", "姓名", "出生日期", "手机号", "重点人群"]
    path = write_xlsx(tmp_path / "residents.xlsx", header, [
        [number, "B1-1-201", "陈女", born, 13912345678, "低保户；残疾"],
        [make_id_number("420102", born, 92), "B1-1-201", "错日", dt.date(1988, 8, 9), None, None],
    ])
    report = run("residents", path)
    assert counts(report) == {"read": 2, "inserted": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert reasons(report) == {3: ("birth_date", "出生日期与身份证号不符（身份证为1988-08-08）")}
    chen = Resident.objects.get(id_number=number)
    assert (chen.sex, chen.birth_date, chen.phone) == ("F", born, "13912345678")
    assert chen.care_tags == ["disabled", "subsidy"]
    assert_figures_match()


# ---------------------------------------------------------------- sensors and cameras

SENSOR_HEADER = ["设备编号", "设备类型", "状态", "电量", "楼栋编码", "经度", "纬度"]


def sensors_file(tmp_path: Path, s1_battery: int = 90) -> Path:
    return write_csv(tmp_path / "sensors.csv", SENSOR_HEADER, [
        ["S-1", "烟感", "在线", s1_battery, "", 114.0705, 30.1005],  # 2: inside b1
        ["S-2", "燃气", "离线", "", "", 114.30105, 30.1005],  # 3: ~5 m east of b3
        ["S-3", "烟感", "", "", "", 114.12, 30.12],  # 4: no building near, grid 12
        ["S-4", "门磁", "告警", 5, "B2", 114.12, 30.13],  # 5: building given
        ["S-5", "烟感", "", "", "B99", 114.12, 30.13],  # 6: unknown building
        ["S-6", "烟感", "坏了", "", "", 114.12, 30.13],  # 7: bad status
        ["S-7", "烟感", "", "", "", 114.2996, 30.1005],  # 8: ~39 m west of b3: too far
    ])


def test_sensors_buildings_and_grids(district: District, tmp_path: Path):
    path = sensors_file(tmp_path)
    report = run("sensors", path)
    assert counts(report) == {"read": 7, "inserted": 5, "updated": 0, "unchanged": 0, "rejected": 2}
    assert reasons(report) == {6: ("building_code", "楼栋编码不存在"),
                               7: ("状态", "取值无效：坏了（可选：在线、离线、告警）")}
    placed = {s.device_id: (s.kind, s.building.code if s.building else None, s.grid.code if s.grid else None)
              for s in Sensor.objects.all()}
    assert placed == {"S-1": ("smoke", "B1", "420102001001001"), "S-2": ("gas", "B3", "420102002001001"),
                      "S-3": ("smoke", None, "420102001001002"), "S-4": ("door", "B2", "420102001001002"),
                      "S-7": ("smoke", None, "420102002001001")}
    assert report.assigned == 5
    assert_reimport_writes_nothing("sensors", path, "layers_sensor", 5)
    changed = run("sensors", sensors_file(tmp_path, s1_battery=40))
    assert (changed.updated, changed.unchanged, changed.updated_keys) == (1, 4, ["S-1"])
    assert Sensor.objects.get(device_id="S-1").battery == 40


def test_sensors_area_scoping_and_cli(district: District, tmp_path: Path):
    path = sensors_file(tmp_path)
    scoped = run("sensors", path, commit=False, area=TOWN1_AREA)
    assert (scoped.inserted, scoped.rejected) == (3, 4)
    assert reasons(scoped)[3] == ("geometry", "不在您的管辖区域内")
    assert summary_counts(cli("sensors", path)) == {"read": 7, "accepted": 5, "rejected": 2, "inserted": 5,
                                                    "updated": 0, "unchanged": 0}
    assert not Sensor.objects.exists()
    cli("sensors", path, "--commit")
    assert Sensor.objects.count() == 5


def test_cameras_fixed_kind(district: District, tmp_path: Path):
    path = write_xlsx(tmp_path / "cameras.xlsx", ["摄像头编号", "所在楼栋", "经度", "纬度"], [
        ["CAM-1", "B3", 114.3005, 30.1005],
        ["CAM-2", None, 114.1105, 30.0805],
    ])
    report = run("cameras", path)
    assert counts(report) == {"read": 2, "inserted": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    placed = {s.device_id: (s.kind, s.building_id, s.grid.code) for s in Sensor.objects.all()}
    assert placed == {"CAM-1": ("camera", district.b3.pk, "420102002001001"),
                      "CAM-2": ("camera", None, "420102001001002")}
    out = cli("cameras", path, "--commit")
    assert summary_counts(out)["unchanged"] == 2


# ---------------------------------------------------------------- incidents

INCIDENT_HEADER = ["事件编号", "标题", "类别", "来源", "状态", "上报时间", "办结时间", "经度", "纬度"]


def incidents_file(tmp_path: Path, e1_status: str = "已受理") -> Path:
    return write_xlsx(tmp_path / "incidents.xlsx", INCIDENT_HEADER, [
        ["E-1", "楼道堆物", "消防安全/楼道堆物", "网格员", e1_status, "2024-05-01 08:30", None, 114.0705, 30.1005],
        ["E-2", "噪音", "市容环境/噪音", "12345", "已办结", "2024-05-02 10:00", "2024-05-01 09:00", 114.30, 30.11],
        ["E-3", "路灯", "市政设施/路灯", "12345", "已办结", "2024-05-02 10:00", "2024-05-03 09:00", 114.30, 30.12],
        ["E-4", "来源错", "其他", "微博", None, "2024-05-02 10:00", None, 114.30, 30.12],
        ["E-5", "时间错", "其他", "来访", None, "昨天", None, 114.30, 30.12],
    ])


def test_incidents_assignment_and_closing_time(district: District, tmp_path: Path):
    path = incidents_file(tmp_path)
    report = run("incidents", path)
    assert counts(report) == {"read": 5, "inserted": 2, "updated": 0, "unchanged": 0, "rejected": 3}
    assert reasons(report) == {
        3: ("closed_at", "办结时间早于上报时间"),
        5: ("来源", "取值无效：微博（可选：网格员上报、12345热线、来访登记、网上信箱、物联告警、Open311）"),
        6: ("上报时间", "时间格式错误：昨天（应为 2024-05-01 08:30:00）"),
    }
    e1, e3 = Incident.objects.get(code="E-1"), Incident.objects.get(code="E-3")
    assert (e1.status, e1.source, e1.building.code, e1.grid.code) == ("accepted", "grid_worker", "B1", G11)
    assert e1.reported_at == dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)  # Beijing time
    assert (e3.status, e3.building, e3.grid.code) == ("resolved", None, "420102002001001")
    assert report.assigned == 2
    assert_reimport_writes_nothing("incidents", path, "layers_incident", 2)
    changed = run("incidents", incidents_file(tmp_path, e1_status="已办结"))
    assert (changed.updated, changed.unchanged, changed.updated_keys) == (1, 1, ["E-1"])


def test_incidents_area_scoping_and_cli(district: District, tmp_path: Path):
    path = incidents_file(tmp_path)
    scoped = run("incidents", path, commit=False, area=TOWN1_AREA)
    assert (scoped.inserted, scoped.rejected) == (1, 4)
    assert reasons(scoped)[4] == ("geometry", "不在您的管辖区域内")
    assert summary_counts(cli("incidents", path)) == {"read": 5, "accepted": 2, "rejected": 3, "inserted": 2,
                                                      "updated": 0, "unchanged": 0}
    assert not Incident.objects.exists()
    cli("incidents", path, "--commit")
    assert Incident.objects.count() == 2


def test_enumerations_parse_whatever_language_is_active():
    """Registers say 关心户 or yellow whether the request before this one switched the UI to English."""
    from django.utils import translation

    from importers.fields import enum
    from importers.kinds import TIER

    cells = np.array(["关心户", "Yellow", "yellow", "连心", "火星"], dtype=object)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            values, reasons = enum(TIER)(cells)
        assert values.tolist() == ["yellow", "yellow", "yellow", "red", None]
        assert reasons[4].startswith("取值无效：火星（可选：放心户、关心户、连心户）")


def test_a_large_import_refreshes_the_statistics_within_its_transaction(district: District, twin_address,
                                                                        tmp_path: Path, monkeypatch):
    """From FRESH_STATISTICS_GRIDS touched grids on, ANALYZE runs inside the import's transaction (allowed there,
    and it counts the rows the transaction wrote); the outcome is the same as without it."""
    from importers import kinds

    monkeypatch.setattr(kinds, "FRESH_STATISTICS_GRIDS", 1)
    report = run("households", households_file(tmp_path))
    assert counts(report) == {"read": 10, "inserted": 2, "updated": 1, "unchanged": 0, "rejected": 7}
    assert_figures_match()
