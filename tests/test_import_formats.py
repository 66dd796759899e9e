"""Every import format reads right: real files written to tmp_path by real writers, read by our importer.

Buildings are the target kind (polygons) and sensors the point kind; each test asserts what was read,
accepted, rejected or repaired and what landed in PostGIS. CRS tests compare the stored coordinates
with a truth computed independently (pyproj, basemap.chinacrs forward formulas).
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import zipfile
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from basemap import chinacrs
from geo_governance.errors import BadInput
from importers import formats
from importers.core import ImportRequest, run_import
from layers.models import Building, Sensor

pytestmark = pytest.mark.django_db

ADDRESS = "武汉市洪山区珞喻路1号"
ADDRESS2 = "洪山区关山大道二号院"


def square(x: float, y: float, d: float = 0.0005) -> shapely.Polygon:
    return shapely.box(x, y, x + d, y + d)


def frame(crs: str | int = "EPSG:4326", codes=("A1", "A2"), geoms=None, **columns) -> gpd.GeoDataFrame:
    """Two buildings inside the test district (lon 114.07, lat 30.10), with a Chinese address each."""
    geoms = geoms if geoms is not None else [square(114.070, 30.100), square(114.080, 30.110)]
    data = {"编码": list(codes), "地址": [(ADDRESS, ADDRESS2)[i % 2] for i in range(len(codes))], **columns}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs="EPSG:4326").to_crs(crs)


def run(path: Path, kind: str = "buildings", commit: bool = True, **options):
    return run_import(ImportRequest(kind=kind, path=Path(path), commit=commit, **options))


def addresses() -> dict[str, str]:
    return dict(Building.objects.order_by("code").values_list("code", "address"))


def footprint(code: str) -> shapely.Geometry:
    return shapely.from_wkb(bytes(Building.objects.get(code=code).footprint.wkb))


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    return target


def write_shapefile(folder: Path, df: gpd.GeoDataFrame, encoding: str = "UTF-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "buildings.shp"
    pyogrio.write_dataframe(df, path, encoding=encoding)
    return path


def assert_two_buildings(report) -> None:
    assert (report.read, report.accepted, report.inserted, report.rejected) == (2, 2, 2, 0), report.rejects
    assert addresses() == {"A1": ADDRESS, "A2": ADDRESS2}


# ---------------------------------------------------------------- vector formats

def test_geojson(tmp_path):
    path = tmp_path / "b.geojson"
    pyogrio.write_dataframe(frame(层数=[6, 3]), path, driver="GeoJSON")
    report = run(path)
    assert_two_buildings(report)
    assert report.format == "GeoJSON" and report.crs == "EPSG:4326"
    assert dict(Building.objects.values_list("code", "floors")) == {"A1": 6, "A2": 3}
    assert shapely.equals(footprint("A1"), square(114.070, 30.100))


def test_dry_run_counts_but_writes_nothing(tmp_path):
    path = tmp_path / "b.geojson"
    pyogrio.write_dataframe(frame(), path, driver="GeoJSON")
    report = run(path, commit=False)
    assert (report.inserted, report.committed) == (2, False)
    assert Building.objects.count() == 0


def test_zipped_shapefile_utf8_cpg(tmp_path):
    shp = write_shapefile(tmp_path / "shp", frame())
    assert shp.with_suffix(".cpg").read_text().upper().startswith("UTF")
    report = run(zip_folder(shp.parent, tmp_path / "b.zip"))
    assert_two_buildings(report)
    assert report.format == "Shapefile"


def test_bare_shp_path(tmp_path, settings):
    shp = write_shapefile(tmp_path / "shp", frame())
    settings.GEOGOV_IMPORT_TMP = str(tmp_path / "imports")
    (tmp_path / "imports").mkdir()
    beside = sorted(p.name for p in shp.parent.iterdir())
    assert_two_buildings(run(shp))
    assert sorted(p.name for p in shp.parent.iterdir()) == beside  # GDAL wrote no index or sidecar
    assert list((tmp_path / "imports").iterdir()) == []


def gbk_shapefile(folder: Path, cpg: bool, language_byte: bool = True) -> Path:
    shp = write_shapefile(folder, frame(), encoding="GBK")
    dbf = shp.with_suffix(".dbf")
    assert ADDRESS.encode("gbk") in dbf.read_bytes()
    if not cpg:
        shp.with_suffix(".cpg").unlink()
    if not language_byte:  # no code page mark in the .dbf header either: only the bytes tell
        data = bytearray(dbf.read_bytes())
        data[29] = 0
        dbf.write_bytes(bytes(data))
    return shp


def test_gbk_dbf_with_cpg(tmp_path):
    shp = gbk_shapefile(tmp_path / "shp", cpg=True)
    assert shp.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    assert_two_buildings(run(zip_folder(shp.parent, tmp_path / "b.zip")))


def test_gbk_dbf_without_cpg_with_encoding_flag(tmp_path):
    shp = gbk_shapefile(tmp_path / "shp", cpg=False, language_byte=False)
    assert_two_buildings(run(zip_folder(shp.parent, tmp_path / "b.zip"), encoding="GBK"))


def test_gbk_dbf_without_cpg_detected(tmp_path):
    shp = gbk_shapefile(tmp_path / "shp", cpg=False, language_byte=False)
    assert_two_buildings(run(zip_folder(shp.parent, tmp_path / "b.zip")))


def test_gbk_dbf_language_driver_byte(tmp_path):
    shp = gbk_shapefile(tmp_path / "shp", cpg=False, language_byte=True)
    assert_two_buildings(run(shp))


@pytest.mark.parametrize("cpg", [True, False])
def test_gb18030_dbf_with_characters_beyond_gbk(tmp_path, cpg):
    """Names with characters GBK lacks (䶮 U+4DAE, 𠀀 U+20000): GB18030 bytes, read as GB18030 with or without .cpg."""
    names = ["刘䶮故居", "𠀀字楼"]
    shp = write_shapefile(tmp_path / "shp", frame(名称=names), encoding="GB18030")
    assert "䶮".encode("gb18030") in shp.with_suffix(".dbf").read_bytes()
    if not cpg:
        shp.with_suffix(".cpg").unlink()
    report = run(zip_folder(shp.parent, tmp_path / "b.zip"))
    assert report.inserted == 2
    assert dict(Building.objects.values_list("code", "name")) == {"A1": names[0], "A2": names[1]}


def test_utf8_dbf_without_cpg_detected(tmp_path):
    shp = write_shapefile(tmp_path / "shp", frame())
    shp.with_suffix(".cpg").unlink()
    data = bytearray(shp.with_suffix(".dbf").read_bytes())
    data[29] = 0
    shp.with_suffix(".dbf").write_bytes(bytes(data))
    assert_two_buildings(run(zip_folder(shp.parent, tmp_path / "b.zip")))


def test_geopackage_one_layer(tmp_path):
    path = tmp_path / "b.gpkg"
    pyogrio.write_dataframe(frame(), path, layer="楼栋")
    report = run(path)
    assert_two_buildings(report)
    assert report.format == "GeoPackage"


def test_geopackage_several_layers_needs_layer(tmp_path):
    path = tmp_path / "b.gpkg"
    pyogrio.write_dataframe(frame(), path, layer="楼栋")
    pyogrio.write_dataframe(frame(codes=("C1",), geoms=[square(114.09, 30.12)]), path, layer="other", append=True)
    with pytest.raises(BadInput, match="GeoPackage 含多个图层，请用 --layer 指定：") as refused:
        run(path)
    assert "楼栋" in refused.value.message and "other" in refused.value.message
    assert Building.objects.count() == 0
    assert_two_buildings(run(path, layer="楼栋"))
    with pytest.raises(BadInput, match="无法读取文件"):
        run(path, layer="nosuch")


def test_kml_and_kmz(tmp_path):
    kml = tmp_path / "b.kml"
    pyogrio.write_dataframe(frame(), kml, driver="KML")
    report = run(kml)
    assert_two_buildings(report)
    assert report.format == "KML"
    kmz = tmp_path / "b.kmz"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.write(kml, "doc.kml")
    again = run(kmz)
    assert (again.read, again.unchanged, again.inserted) == (2, 2, 0)


def test_kml_with_several_folders_needs_layer(tmp_path):
    kml = tmp_path / "b.kml"
    pyogrio.write_dataframe(frame(), kml, driver="LIBKML", layer="楼栋")
    pyogrio.write_dataframe(frame(codes=("C1",), geoms=[square(114.09, 30.12)]), kml, driver="LIBKML", layer="其他",
                            append=True)
    with pytest.raises(BadInput, match="KML 含多个图层，请用 --layer 指定：楼栋、其他"):
        run(kml)
    assert_two_buildings(run(kml, layer="楼栋"))


def test_zip_with_several_shapefiles_and_macos_entries(tmp_path):
    first = write_shapefile(tmp_path / "a", frame())
    second = write_shapefile(tmp_path / "b", frame(codes=("C1",), geoms=[square(114.09, 30.12)]))
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for folder, stem in ((first.parent, "楼栋"), (second.parent, "其他")):
            for file in folder.iterdir():
                archive.write(file, f"数据/{stem}{file.suffix}")
                archive.writestr(f"__MACOSX/数据/._{stem}{file.suffix}", b"\x00\x05\x16\x07 Mac resource fork")
    with pytest.raises(BadInput, match="压缩包含多个 Shapefile，请用 --layer 指定：其他、楼栋"):
        run(path)
    with pytest.raises(BadInput, match="压缩包中没有名为 x 的 Shapefile（有：其他、楼栋）"):
        run(path, layer="x")
    assert_two_buildings(run(path, layer="楼栋"))


def test_zip_from_a_mac(tmp_path):
    shp = write_shapefile(tmp_path / "shp", frame())
    path = zip_folder(shp.parent, tmp_path / "b.zip")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("__MACOSX/._buildings.shp", b"\x00\x05\x16\x07")
        archive.writestr("._buildings.dbf", b"\x00\x05\x16\x07")
    assert_two_buildings(run(path))


# ---------------------------------------------------------------- tables

def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


WKT_ROWS = [["楼栋编码", "地址", "WKT"],
            ["A1", ADDRESS, square(114.070, 30.100).wkt],
            ["A2", ADDRESS2, square(114.080, 30.110).wkt]]


def test_csv_with_wkt_column(tmp_path):
    report = run(write_csv(tmp_path / "b.csv", WKT_ROWS))
    assert_two_buildings(report)
    assert report.format == "CSV" and report.mapping["code"] == "楼栋编码"


def test_csv_with_bom(tmp_path):
    path = write_csv(tmp_path / "b.csv", WKT_ROWS, encoding="utf-8-sig")
    assert path.read_bytes().startswith(formats.UTF8_BOM)
    assert_two_buildings(run(path))


def test_csv_in_gbk(tmp_path):
    path = write_csv(tmp_path / "b.csv", WKT_ROWS, encoding="gbk")
    assert_two_buildings(run(path))
    Building.objects.all().delete()
    assert_two_buildings(run(path, encoding="GBK"))


def imported_points(path: Path, **options):
    """A committed sensors import: its report and the stored points, device_id → (lon, lat)."""
    report = run(path, kind="sensors", **options)
    stored = {device: (point.x, point.y) for device, point in Sensor.objects.values_list("device_id", "location")}
    return report, stored


def test_csv_lonlat_points_for_sensors(tmp_path):
    rows = [["设备编号", "类型", "经度", "纬度"], ["S1", "烟感", "114.0705", "30.1005"],
            ["S2", "smoke", "114.2", "30.1"], ["S3", "smoke", "", ""], ["S4", "smoke", "114.2", ""],
            ["S5", "smoke", "东经114度", "30.1"], ["S6", "smoke", "nan", "30.1"]]
    report, stored = imported_points(write_csv(tmp_path / "s.csv", rows))
    assert (report.read, report.accepted, report.inserted) == (6, 2, 2)
    assert [(r.row, r.reason) for r in report.rejects] == [
        (4, "缺少几何 / no geometry"), (5, "缺少几何 / no geometry"),
        (6, "几何无法解析（结构或坐标有误） / the geometry cannot be parsed"),
        (7, "坐标含 NaN 或无穷大 / coordinates are NaN or infinite")]
    assert stored == {"S1": (114.0705, 30.1005), "S2": (114.2, 30.1)}
    assert set(Sensor.objects.values_list("kind", flat=True)) == {"smoke"}


def test_excel_unicode_text_utf16_tab_separated(tmp_path):
    path = tmp_path / "b.txt"
    path.write_bytes("\r\n".join("\t".join(row) for row in WKT_ROWS).encode("utf-16"))
    assert path.read_bytes()[:2] in formats.UTF16_BOMS
    assert_two_buildings(run(path))


def test_csv_unparseable_wkt_rejected_per_row(tmp_path):
    rows = WKT_ROWS + [["A3", ADDRESS, "POLYGON ((114.07 30.1, 114.08"], ["A4", ADDRESS, "POLYGON ((1 2, 3 4))"],
                       ["A5", ADDRESS, ""]]
    report = run(write_csv(tmp_path / "b.csv", rows))
    assert (report.read, report.inserted) == (5, 2)
    assert [(r.row, r.reason) for r in report.rejects] == [
        (4, "几何无法解析（结构或坐标有误） / the geometry cannot be parsed"),
        (5, "几何无法解析（结构或坐标有误） / the geometry cannot be parsed"),
        (6, "缺少几何 / no geometry")]


def test_csv_lonlat_points_in_a_buildings_file_rejected_per_row(tmp_path):
    rows = [["楼栋编码", "经度", "纬度"], ["A1", "114.07", "30.1"], ["A2", "114.08", "30.11"]]
    report = run(write_csv(tmp_path / "b.csv", rows))
    assert (report.read, report.accepted, report.inserted) == (2, 0, 0)
    assert [(r.row, r.field) for r in report.rejects] == [(2, "geometry"), (3, "geometry")]
    assert all("几何类型不符" in r.reason for r in report.rejects)


def test_xlsx_with_wkt(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    for row in [["楼栋编号", "地址", "层数", "几何"],
                ["A1", ADDRESS, 6, square(114.070, 30.100).wkt], ["A2", ADDRESS2, 3, square(114.080, 30.110).wkt]]:
        book.active.append(row)
    book.save(tmp_path / "b.xlsx")
    report = run(tmp_path / "b.xlsx")
    assert_two_buildings(report)
    assert report.format == "Excel (XLSX)"
    assert dict(Building.objects.values_list("code", "floors")) == {"A1": 6, "A2": 3}


def test_headers_with_notes_and_a_mapping_file(tmp_path):
    rows = [["楼栋编码（必填）", " 标准 地址 ", "栋号", "WKT"],
            ["A1", ADDRESS, "1栋", square(114.070, 30.100).wkt], ["A2", ADDRESS2, "2栋", square(114.080, 30.110).wkt]]
    path = write_csv(tmp_path / "b.csv", rows)
    report = run(path, commit=False)
    assert report.mapping == {"code": "楼栋编码（必填）", "address": "标准 地址"}  # headers are stripped
    assert report.ignored_columns == ["栋号"]
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"栋号": "name", "标准 地址": None}, ensure_ascii=False), encoding="utf-8")
    mapped = run(path, mapping_file=str(mapping))
    assert mapped.mapping == {"code": "楼栋编码（必填）", "name": "栋号"} and mapped.inserted == 2
    assert dict(Building.objects.values_list("code", "name")) == {"A1": "1栋", "A2": "2栋"}
    assert set(Building.objects.values_list("address", flat=True)) == {""}


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "字段映射文件无法读取"),
    ('["栋号"]', '字段映射文件应为 {"表头": "字段名"} 形式的 JSON'),
    ('{"没有这列": "name"}', "映射文件中的表头 没有这列 不在文件中"),
    ('{"栋号": "floors_above"}', "映射文件中的字段 floors_above 不存在"),
])
def test_bad_mapping_file(tmp_path, content, expected):
    path = write_csv(tmp_path / "b.csv", [["编码", "栋号", "WKT"], ["A1", "1栋", square(114.07, 30.1).wkt]])
    mapping = tmp_path / "m.json"
    mapping.write_text(content, encoding="utf-8")
    with pytest.raises(BadInput, match=expected):
        run(path, mapping_file=str(mapping))
    assert Building.objects.count() == 0


def test_table_without_coordinate_columns(tmp_path):
    with pytest.raises(BadInput, match="表格中没有坐标列：需要经度/纬度两列"):
        run(write_csv(tmp_path / "b.csv", [["编码", "地址"], ["A1", ADDRESS]]))


def test_projected_xy_columns_with_source_crs(tmp_path):
    to_gk = Transformer.from_crs(4326, 4547, always_xy=True)
    x, y = to_gk.transform(114.0705, 30.1005)
    path = write_csv(tmp_path / "s.csv", [["设备编号", "类型", "X", "Y"], ["S1", "smoke", repr(x), repr(y)]])
    unprojected = run(path, kind="sensors")  # metres taken as degrees: far outside China
    assert [r.reason for r in unprojected.rejects] == ["坐标超出中国范围 / coordinates outside China"]
    report, stored = imported_points(path, source_crs="EPSG:4547")
    assert report.crs == "EPSG:4547" and report.inserted == 1
    assert np.abs(np.array(stored["S1"]) - [114.0705, 30.1005]).max() < 1e-9


def test_xlsx_sheet_by_layer_and_row_numbers_as_the_sheet_shows_them(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "本工作簿第二页为楼栋"
    sheet = book.create_sheet("楼栋")
    sheet["B3"], sheet["C3"] = "编码", "WKT"  # the table starts at B3, a blank row inside it
    sheet["B4"], sheet["C4"] = "A1", square(114.070, 30.100).wkt
    sheet["B6"], sheet["C6"] = "A2", "POINT (114.08 30.11)"
    book.save(tmp_path / "b.xlsx")
    with pytest.raises(BadInput, match="工作簿中没有名为 x 的工作表（有：说明、楼栋）"):
        run(tmp_path / "b.xlsx", layer="x")
    report = run(tmp_path / "b.xlsx", layer="楼栋")
    assert (report.read, report.inserted) == (2, 1)
    assert [(r.row, r.field) for r in report.rejects] == [(6, "geometry")]


def test_csv_row_numbers_count_blank_lines(tmp_path):
    rows = [WKT_ROWS[0], [], WKT_ROWS[1], ["", "", ""], ["A3", ADDRESS, "LINESTRING (114 30, 114.1 30.1)"]]
    report = run(write_csv(tmp_path / "b.csv", rows), commit=False)
    assert (report.read, report.accepted) == (2, 1)
    assert [r.row for r in report.rejects] == [5]


# ---------------------------------------------------------------- OpenStreetMap

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="30.1000" lon="114.0700"/><node id="2" lat="30.1000" lon="114.0710"/>
  <node id="3" lat="30.1010" lon="114.0710"/><node id="4" lat="30.1010" lon="114.0700"/>
  <node id="11" lat="30.1100" lon="114.0800"/><node id="12" lat="30.1100" lon="114.0820"/>
  <node id="13" lat="30.1120" lon="114.0820"/><node id="14" lat="30.1120" lon="114.0800"/>
  <node id="21" lat="30.1105" lon="114.0805"/><node id="22" lat="30.1105" lon="114.0810"/>
  <node id="23" lat="30.1110" lon="114.0810"/><node id="24" lat="30.1110" lon="114.0805"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="apartments"/><tag k="name" v="珞喻公寓"/><tag k="building:levels" v="6"/>
    <tag k="addr:street" v="珞喻路"/><tag k="addr:housenumber" v="1号"/></way>
  <way id="200"><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/></way>
  <way id="201"><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="24"/><nd ref="21"/></way>
  <way id="300"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="landuse" v="grass"/></way>
  <relation id="500"><member type="way" ref="200" role="outer"/><member type="way" ref="201" role="inner"/>
    <tag k="type" v="multipolygon"/><tag k="building" v="school"/><tag k="name" v="关山小学"/></relation>
</osm>
"""


def test_osm_xml_way_and_multipolygon_relation(tmp_path):
    path = tmp_path / "b.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    report = run(path)
    assert (report.read, report.inserted, report.rejected) == (2, 2, 0), report.rejects
    stored = {b.code: (b.name, b.floors, b.use, b.address) for b in Building.objects.all()}
    assert stored == {"OSM-W100": ("珞喻公寓", 6, "residential", "珞喻路 1号"),
                      "OSM-R500": ("关山小学", 1, "public", "")}
    school = footprint("OSM-R500")
    assert len(shapely.get_parts(school)[0].interiors) == 1


def test_osm_pbf_from_pyrosm(tmp_path):
    pbf = importlib.resources.files("pyrosm") / "data" / "test.osm.pbf"
    refused = run(Path(str(pbf)), commit=False)
    assert refused.accepted == 0
    assert Counter(r.reason for r in refused.rejects)["坐标超出中国范围 / coordinates outside China"] == 2215
    report = run(Path(str(pbf)), allow_outside_china=True)
    assert report.read == 2219 and report.format == "OpenStreetMap (PBF/XML)"
    assert report.inserted == report.accepted == Building.objects.count() == 2193
    # the extract is clipped: 22 footprints collapse to lines, 4 rings have fewer than 3 points
    assert Counter(r.reason for r in report.rejects) == {
        "几何无效且无法修复（面积为零） / invalid geometry that cannot be repaired": 22,
        "几何无法解析（结构或坐标有误） / the geometry cannot be parsed": 4}
    assert Building.objects.filter(code__startswith="OSM-W").exists()


# ---------------------------------------------------------------- coordinate systems

def max_error_degrees(code: str, truth: shapely.Geometry) -> float:
    return float(shapely.hausdorff_distance(footprint(code), truth))


@pytest.mark.parametrize(("epsg", "writer"), [(4490, "gpkg"), (4547, "shp"), (4547, "gpkg"), (4526, "shp"),
                                              (3857, "gpkg")])
def test_projected_and_cgcs2000_files_come_out_in_wgs84(tmp_path, epsg, writer):
    projected = frame(crs=epsg) if epsg != 4490 else frame().set_crs(4490, allow_override=True)
    if writer == "shp":
        path = zip_folder(write_shapefile(tmp_path / "shp", projected).parent, tmp_path / "b.zip")
    else:
        path = tmp_path / "b.gpkg"
        pyogrio.write_dataframe(projected, path)
    report = run(path)
    assert report.crs == f"EPSG:{epsg}"
    assert_two_buildings(report)
    to_wgs84 = Transformer.from_crs(epsg, 4326, always_xy=True)
    truth = shapely.transform(projected.geometry.values[0],
                              lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    assert max_error_degrees("A1", truth) < 1e-7  # ~1 cm


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_gcj02_and_bd09_converted_back(tmp_path, datum):
    truth = square(114.070, 30.100)
    shifted = shapely.transform(truth, lambda xy: np.column_stack(chinacrs.convert(xy[:, 0], xy[:, 1], "wgs84",
                                                                                  datum)))
    assert shapely.hausdorff_distance(truth, shifted) > 1e-3  # hundreds of metres apart
    path = tmp_path / "b.geojson"
    pyogrio.write_dataframe(frame(codes=("A1",), geoms=[shifted]), path, driver="GeoJSON")
    report = run(path, source_crs=datum)
    assert report.crs == {"gcj02": "GCJ-02", "bd09": "BD-09"}[datum]
    assert max_error_degrees("A1", truth) < 1e-7


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_gcj02_and_bd09_points(tmp_path, datum):
    """Six cities (Wuhan, Beijing, Shanghai, Urumqi, Sanya, Harbin) and a 0.5° grid over China (lon 74-135,
    lat 18-53), shifted by the forward formulas, come back through a CSV import to within 1e-10°
    (measured: 1.4e-11°, about 2 µm; the requirement is 1e-7°, about 1 cm). Documented in importers/crs.py."""
    grid_lon, grid_lat = np.meshgrid(np.arange(74, 135.1, 0.5), np.arange(18, 53.1, 0.5))
    lon = np.r_[114.0705, 116.391, 121.4737, 87.6168, 109.5119, 126.535, grid_lon.ravel()]
    lat = np.r_[30.1005, 39.907, 31.2304, 43.8256, 18.2528, 45.8038, grid_lat.ravel()]
    slon, slat = chinacrs.convert(lon, lat, "wgs84", datum)
    rows = [["device_id", "kind", "lon", "lat"]] + [[f"S{i}", "smoke", repr(float(x)), repr(float(y))]
                                                    for i, (x, y) in enumerate(zip(slon, slat, strict=True))]
    report, stored = imported_points(write_csv(tmp_path / "s.csv", rows), source_crs=datum)
    assert report.inserted == len(lon) == 8739 and report.crs == {"gcj02": "GCJ-02", "bd09": "BD-09"}[datum]
    got = np.array([stored[f"S{i}"] for i in range(len(lon))])
    error = np.abs(got - np.column_stack([lon, lat])).max()
    assert error < 1e-10, error
    assert np.hypot(slon - lon, slat - lat).min() > 1e-4  # really shifted (tens of metres at least)


def test_swapped_axes_detected_and_fixed(tmp_path):
    swapped = [shapely.transform(g, lambda xy: xy[:, ::-1]) for g in (square(114.070, 30.100), square(114.080, 30.110))]
    path = tmp_path / "b.geojson"
    pyogrio.write_dataframe(frame(geoms=swapped), path, driver="GeoJSON")
    report = run(path)
    assert (report.accepted, report.inserted) == (0, 0)
    assert {r.reason for r in report.rejects} == {
        "坐标超出中国范围，经纬度疑似颠倒（可用 --swap-axes） / outside China: lon/lat look swapped (use --swap-axes)"}
    assert any("--swap-axes" in w for w in report.warnings)
    fixed = run(path, swap_axes=True)
    assert_two_buildings(fixed)
    assert max_error_degrees("A1", square(114.070, 30.100)) == 0


def test_outside_china_rejected_unless_allowed(tmp_path):
    path = tmp_path / "b.geojson"
    pyogrio.write_dataframe(frame(geoms=[square(2.35, 48.85), square(114.08, 30.11)]), path, driver="GeoJSON")
    report = run(path)
    assert (report.accepted, report.inserted) == (1, 1)
    assert [(r.row, r.reason) for r in report.rejects] == [(1, "坐标超出中国范围 / coordinates outside China")]
    allowed = run(path, allow_outside_china=True)
    assert (allowed.inserted, allowed.unchanged, allowed.rejected) == (1, 1, 0)


def test_unsupported_crs_refused_before_reading_features(tmp_path, monkeypatch):
    path = tmp_path / "b.gpkg"
    pyogrio.write_dataframe(frame(crs=32650), path)
    read = []
    monkeypatch.setattr(formats.VectorSource, "read", lambda self, *a: read.append(1))
    with pytest.raises(BadInput, match="文件坐标系 EPSG:32650 不在支持范围") as refused:
        run(path)
    assert "--source-crs" in refused.value.message and read == []
    with pytest.raises(BadInput, match="不支持的坐标系：EPSG:32650"):
        run(path, source_crs="EPSG:32650")


# ---------------------------------------------------------------- geometry checks and repairs

def write_geojson_text(path: Path, geometries: list[dict | None]) -> Path:
    features = [{"type": "Feature", "properties": {"code": f"G{i}"}, "geometry": g}
                for i, g in enumerate(geometries, start=1)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def polygon(*points) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in points]]}


A, B, C, D = (114.070, 30.100), (114.071, 30.100), (114.071, 30.101), (114.070, 30.101)


def test_geometry_repairs(tmp_path):
    path = write_geojson_text(tmp_path / "g.geojson", [
        polygon(A, C, B, D, A),  # bowtie
        polygon(A, B, B, C, D, D, A),  # repeated vertices
        polygon(A, D, C, B, A),  # clockwise exterior
        polygon((114.070, 30.100, 25.0), (114.071, 30.100, 25.0),
                                                        (114.071, 30.101, 26.0), (114.070, 30.100, 25.0)),  # Z
        polygon(A, B, C, D, A),  # already right
    ])
    report = run(path)
    assert (report.read, report.inserted, report.rejected) == (5, 5, 0), report.rejects
    assert dict(report.repairs) == {"修复自相交 / made valid (make_valid)": 1,
                                    "去除重复顶点 / repeated vertices removed": 1,
                                    "调整环方向 / rings re-oriented": 1}
    bowtie = footprint("G1")
    assert shapely.is_valid(bowtie) and len(shapely.get_parts(bowtie)) == 2
    assert abs(shapely.area(bowtie) - 0.5 * 0.001 * 0.001) < 1e-15
    assert shapely.get_num_coordinates(footprint("G2")) == 5
    assert shapely.is_ccw(shapely.get_exterior_ring(shapely.get_parts(footprint("G3"))[0]))
    assert not shapely.has_z(footprint("G4")) and shapely.get_num_coordinates(footprint("G4")) == 4
    types = set(Building.objects.values_list("footprint", flat=True).iterator())
    assert {g.geom_type for g in types} == {"MultiPolygon"}


def test_mixed_geometry_types_rejected_per_row(tmp_path):
    path = write_geojson_text(tmp_path / "g.geojson", [
        polygon(A, B, C, D, A),
        {"type": "Point", "coordinates": [114.07, 30.1]},
        {"type": "LineString", "coordinates": [A, B]},
        None,
    ])
    report = run(path)
    assert (report.read, report.inserted) == (4, 1)
    assert [(r.row, r.reason) for r in report.rejects] == [
        (2, "几何类型不符，应为面 / polygon / wrong geometry type"),
        (3, "几何类型不符，应为面 / polygon / wrong geometry type"),
        (4, "缺少几何 / no geometry")]


def test_point_layer_for_buildings_refused_up_front(tmp_path):
    path = tmp_path / "p.gpkg"
    pyogrio.write_dataframe(frame(geoms=[shapely.Point(114.07, 30.1), shapely.Point(114.08, 30.11)]), path)
    with pytest.raises(BadInput, match="图层几何类型为 Point，楼栋需要面"):
        run(path)


def test_nan_and_inf_coordinates_rejected(tmp_path):
    nan_square = shapely.Polygon([(114.07, 30.1), (np.nan, 30.1), (114.071, 30.101), (114.07, 30.1)])
    inf_square = shapely.Polygon([(114.07, 30.1), (np.inf, 30.1), (114.071, 30.101), (114.07, 30.1)])
    path = tmp_path / "n.gpkg"
    pyogrio.write_dataframe(frame(codes=("A1", "A2", "A3"), geoms=[nan_square, inf_square, square(114.08, 30.11)]),
                            path)
    report = run(path)
    assert (report.read, report.inserted) == (3, 1)
    assert [(r.row, r.reason) for r in report.rejects] == [(1, "坐标含 NaN 或无穷大 / coordinates are NaN or infinite"),
                                                           (2, "坐标含 NaN 或无穷大 / coordinates are NaN or infinite")]
