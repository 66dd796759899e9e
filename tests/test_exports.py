"""Exports: columns from the kind table, files as GIS tools expect them, scoping, permission, audit, front doors."""

from __future__ import annotations

import csv
import io
import zipfile

import pyogrio
import pytest
import shapely
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from geo_governance.errors import BadInput, Forbidden, NotFound
from importers import exports, mapping
from importers.exports import LAYERS, dbf_names, export_layer, file_name, formats_for
from importers.kinds import KINDS
from importers.models import ExportAudit
from layers.models import Division, Incident

DISTRICT_CODES = {"420102000000", "420102001000", "420102002000", "420102001001", "420102002001"}


def csv_rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def keys_of(path, key: str = "code") -> set[str]:
    return {row[key] for row in csv_rows(path)}


# ---------------------------------------------------------------- columns and file layout

def test_every_kind_exports_exactly_its_fields():
    assert set(LAYERS) == set(KINDS)
    for name, kind in KINDS.items():
        assert list(LAYERS[name].lookups) == [fd.name for fd in kind.fields], name
        assert bool(LAYERS[name].geometry) == bool(kind.geometry), name


def test_dbf_names_are_short_unique_and_map_back_through_the_aliases():
    for name in ("divisions", "grids", "buildings", "sensors", "cameras", "incidents"):
        kind = KINDS[name]
        names = dbf_names(kind)
        assert all(len(n.encode()) <= 10 for n in names) and len(set(names)) == len(names), names
        resolved = mapping.resolve(kind, names, {}, tabular=False)
        assert resolved.columns == dict(zip([fd.name for fd in kind.fields], names, strict=True))
    assert dbf_names(KINDS["incidents"])[2:7:4] == ["descr", "reported"]
    assert dbf_names(KINDS["sensors"])[-2:] == ["installed", "bldg_code"]


def test_formats_that_carry_each_kind():
    assert formats_for(KINDS["buildings"]) == ["gpkg", "geojson", "shp", "xlsx", "csv"]
    assert formats_for(KINDS["residents"]) == ["gpkg", "geojson", "xlsx", "csv"]


def test_zipped_shapefile_has_prj_and_utf8_cpg(district, tmp_path):
    done = export_layer("buildings", "", "shp", tmp_path / "b.shp.zip")
    with zipfile.ZipFile(done.path) as archive:
        assert sorted(archive.namelist()) == [f"buildings.{s}" for s in ("cpg", "dbf", "prj", "shp", "shx")]
        assert archive.read("buildings.cpg").decode().strip() == "UTF-8"
        assert archive.read("buildings.prj").startswith(b'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984"')
        archive.extractall(tmp_path / "shp")
    info = pyogrio.read_info(tmp_path / "shp" / "buildings.shp")
    assert list(info["fields"]) == ["code", "address", "name", "floors", "height", "use", "year_built"]
    assert (info["features"], info["geometry_type"], info["encoding"]) == (3, "Polygon", "UTF-8")
    _, _, _, values = pyogrio.raw.read(tmp_path / "shp" / "buildings.shp")
    assert list(values[1]) == ["西一路1号", "西一路2号", "东一路1号"]


def test_gpkg_layer_types_and_crs(district, tmp_path):
    done = export_layer("buildings", "", "gpkg", tmp_path / "b.gpkg")
    info = pyogrio.read_info(done.path, layer="buildings")
    assert info["crs"] == "EPSG:4326" and info["geometry_type"] == "MultiPolygon" and info["features"] == 3
    assert dict(zip(info["fields"], info["dtypes"], strict=True))["floors"] == "int64"
    meta, _, wkb, values = pyogrio.raw.read(done.path)
    assert shapely.from_wkb(wkb[0]).equals(shapely.from_wkb(bytes(district.b1.footprint.wkb)))
    assert [list(v) for v in values[:1]] == [["B1", "B2", "B3"]]


def test_households_and_residents_have_no_shapefile(district, tmp_path):
    with pytest.raises(BadInput, match="没有几何"):
        export_layer("households", "", "shp", tmp_path / "h.shp.zip")
    assert not (tmp_path / "h.shp.zip").exists()


def test_xlsx_is_typed_text_and_points_are_exact_lonlat(district, tmp_path):
    Incident.objects.create(code="E-9", title="=HYPERLINK(\"x\")", category="c", source="web",
                            location=Point(114.07051234567891, 30.1, srid=4326), reported_at="2024-05-01T00:00Z")
    Incident.objects.assign_grids()
    done = export_layer("incidents", "", "xlsx", tmp_path / "i.xlsx")
    rows = CalamineWorkbook.from_path(str(done.path)).get_sheet_by_index(0).to_python()
    assert rows[0][-2:] == ["lon", "lat"] and rows[0][:2] == ["code", "title"]
    assert rows[1][1] == '=HYPERLINK("x")'  # text, never a formula
    assert rows[1][6] == "2024-05-01T08:00:00+08:00"
    assert float(rows[1][-2]) == 114.07051234567891
    buildings = export_layer("buildings", "", "xlsx", tmp_path / "b.xlsx")
    sheet = CalamineWorkbook.from_path(str(buildings.path)).get_sheet_by_index(0).to_python()
    assert sheet[1][3] == 6.0 and isinstance(sheet[1][3], float)  # floors: a number cell


def test_small_chunks_append_to_one_file(district, tmp_path, monkeypatch):
    """Rows go to the file a chunk at a time: with chunks of 2, three buildings take two appends."""
    monkeypatch.setattr(exports, "CHUNK", 2)
    for fmt in ("gpkg", "shp", "geojson"):
        done = export_layer("buildings", "", fmt, tmp_path / file_name("buildings", fmt, ""))
        path = f"/vsizip/{done.path}/buildings.shp" if fmt == "shp" else done.path
        assert (done.rows, pyogrio.read_info(path)["features"]) == (3, 3), fmt
    done = export_layer("residents", "", "csv", tmp_path / "r.csv")
    assert (done.rows, len(csv_rows(done.path))) == (7, 7)


def test_empty_area_gives_a_file_with_headers(district, tmp_path):
    done = export_layer("sensors", district.users["worker11"], "csv", tmp_path / "s.csv")
    assert done.rows == 0
    assert done.path.read_text(encoding="utf-8-sig").strip() == (
        "device_id,kind,status,battery,installed_at,building_code,lon,lat")
    assert pyogrio.read_info(export_layer("sensors", "", "gpkg", tmp_path / "s.gpkg").path)["features"] == 0


# ---------------------------------------------------------------- what a format cannot hold

def test_shapefile_refuses_text_longer_than_a_dbf_field(district, tmp_path):
    Incident.objects.create(code="E-LONG", title="长描述", description="情况说明" * 30, category="c", source="web",
                            location=Point(114.07, 30.1, srid=4326), reported_at="2024-05-01T00:00Z")
    with pytest.raises(BadInput, match="E-LONG 的 description 超过 Shapefile"):
        export_layer("incidents", "", "shp", tmp_path / "i.shp.zip")
    assert list(tmp_path.iterdir()) == []
    assert ExportAudit.objects.count() == 0


def test_xlsx_refuses_a_boundary_longer_than_a_cell(district, tmp_path):
    ring = shapely.Point(114.1, 30.1).buffer(0.01, quad_segs=1000)
    Division.objects.create(code="420102001002", name="大边界社区", level="village", parent=district.town1,
                            boundary=MultiPolygon(Polygon(list(ring.exterior.coords)), srid=4326))
    with pytest.raises(BadInput, match="420102001002 的内容超过 XLSX 单元格上限"):
        export_layer("divisions", "", "xlsx", tmp_path / "d.xlsx")
    assert not (tmp_path / "d.xlsx").exists()
    assert export_layer("divisions", "", "csv", tmp_path / "d.csv").rows == 6


# ---------------------------------------------------------------- scope, permission, audit

@pytest.mark.parametrize(("user", "kind", "key", "expected"), [
    ("town1", "buildings", "code", {"B1", "B2"}),
    ("town2", "buildings", "code", {"B3"}),
    ("worker11", "buildings", "code", {"B1"}),
    ("town1", "divisions", "code", {"420102001000", "420102001001"}),
    ("worker11", "grids", "code", {"420102001001001"}),
    ("county", "divisions", "code", DISTRICT_CODES),
    ("town1", "households", "code", {"B1-1-101", "B1-1-201", "B2-0-101"}),
    ("worker11", "residents", "name", {"张三", "李四", "张小", "赵老"}),
    ("town2", "residents", "name", {"孙六", "周七"}),
    ("viewer1", "buildings", "code", {"B1", "B2"}),
])
def test_exports_hold_only_the_users_area(district, tmp_path, user, kind, key, expected):
    done = export_layer(kind, district.users[user], "csv", tmp_path / "out.csv")
    assert keys_of(done.path, key) == expected and done.rows == len(expected)


def test_area_narrows_within_the_users_area(district, tmp_path):
    done = export_layer("buildings", district.users["county"], "csv", tmp_path / "b.csv", area="420102002000")
    assert (keys_of(done.path), done.area) == ({"B3"}, "420102002")
    with pytest.raises(NotFound):
        export_layer("buildings", district.users["town1"], "csv", tmp_path / "b.csv", area="420102002000")
    with pytest.raises(NotFound):
        export_layer("buildings", district.users["town1"], "csv", tmp_path / "b.csv", area="999999999999")


def test_residents_export_is_refused_for_a_viewer_and_without_an_area(district, tmp_path):
    with pytest.raises(Forbidden, match="无权导出居民个人信息"):
        export_layer("residents", district.users["viewer1"], "xlsx", tmp_path / "r.xlsx")
    with pytest.raises(Forbidden, match="未分配管辖区域"):
        export_layer("buildings", district.users["nobody"], "csv", tmp_path / "b.csv")
    assert list(tmp_path.iterdir()) == [] and ExportAudit.objects.count() == 0


def test_residents_export_carries_full_personal_data_and_is_audited(district, tmp_path):
    user = district.users["town1"]
    done = export_layer("residents", user, "csv", tmp_path / "r.csv", via="web")
    numbers = {row["id_number"] for row in csv_rows(done.path)}
    assert numbers == {r.id_number for r in district.residents[:5]}  # unmasked
    audit = ExportAudit.objects.get()
    assert (audit.user, audit.kind, audit.format, audit.rows, audit.area, audit.personal, audit.via) == (
        user, "residents", "csv", 5, "420102001", True, "web")


# ---------------------------------------------------------------- command line

def test_command_exports_an_area_and_audits_without_a_user(district, tmp_path):
    out = io.StringIO()
    call_command("export_layer", "buildings", str(tmp_path / "b.shp.zip"), "--area", "420102001000", stdout=out)
    assert "已导出 exported 2 buildings" in out.getvalue() and "Shapefile (zip)" in out.getvalue()
    assert pyogrio.read_info(f"/vsizip/{tmp_path / 'b.shp.zip'}/buildings.shp")["features"] == 2
    call_command("export_layer", "residents", str(tmp_path / "r.data"), "--format", "csv", stdout=io.StringIO())
    assert len(csv_rows(tmp_path / "r.data")) == 7
    assert list(ExportAudit.objects.order_by("id").values_list("user", "kind", "format", "rows", "area", "via")) == [
        (None, "buildings", "shp", 2, "420102001", "cli"), (None, "residents", "csv", 7, "", "cli")]


@pytest.mark.parametrize(("args", "message"), [
    (["buildings", "b.pdf"], "无法从文件名判断格式"),
    (["buildings", "b.csv", "--area", "420102009000"], "没有编码为 420102009000 的区划或网格"),
    (["households", "h.zip"], "没有几何"),
])
def test_command_refuses_with_a_message(district, tmp_path, args, message):
    args[1] = str(tmp_path / args[1])
    with pytest.raises(CommandError, match=message):
        call_command("export_layer", *args, stdout=io.StringIO())


# ---------------------------------------------------------------- HTTP

def test_http_export_downloads_the_users_area(district, client, tmp_path):
    client.force_login(district.users["town1"])
    response = client.get("/export/buildings.gpkg")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert response["Content-Disposition"] == 'attachment; filename="buildings-420102001.gpkg"'
    path = tmp_path / "b.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    _, _, _, values = pyogrio.raw.read(path)
    assert sorted(values[0]) == ["B1", "B2"]
    response = client.get("/export/residents.csv?area=420102001001001")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 1 + 4
    assert ExportAudit.objects.filter(user=district.users["town1"], via="web").count() == 2


@pytest.mark.parametrize(("user", "url", "status", "detail"), [
    ("town1", "/export/parcels.gpkg", 400, "未知的数据类型"),
    ("town1", "/export/buildings.pdf", 400, "未知的导出格式"),
    ("town1", "/export/residents.shp", 400, "没有几何"),
    ("viewer1", "/export/residents.csv", 403, "无权导出居民个人信息"),
    ("nobody", "/export/buildings.csv", 403, "未分配管辖区域"),
    ("town1", "/export/buildings.csv?area=420102002000", 404, "不在您的管辖范围内"),
    ("town1", "/export/buildings", 404, None),
])
def test_http_errors(district, client, user, url, status, detail):
    client.force_login(district.users[user])
    response = client.get(url)
    assert response.status_code == status
    if detail:
        assert detail in response.json()["detail"]
    assert ExportAudit.objects.count() == 0


def test_http_export_needs_login_and_get(district, client):
    response = client.get("/export/buildings.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(district.users["admin"])
    assert client.post("/export/buildings.csv").status_code == 405
