"""Bad and hostile files are refused fast with a clear zh/en BadInput, and leave no trace.

Every test runs with the import temp folder pointed at its own directory; afterwards that folder must
be empty (the import's work folder removed), the building count unchanged (nothing half-imported),
and no file may have appeared next to the input. A crash or Ctrl-C inside the write propagates as
itself and leaves no rows.
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo_governance.errors import BadInput
from importers import staging
from importers.core import ImportRequest, run_import
from layers.models import Building

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture(autouse=True)
def import_tmp(settings, tmp_path):
    """The import's temp folder for this test; checked empty afterwards, with the building count unchanged."""
    folder = tmp_path / "imports"
    folder.mkdir()
    settings.GEOGOV_IMPORT_TMP = str(folder)
    before = Building.objects.count()
    yield folder
    assert list(folder.iterdir()) == []
    assert Building.objects.count() == before


def run(path: Path, commit: bool = True, **options):
    return run_import(ImportRequest(kind="buildings", path=Path(path), commit=commit, **options))


def refused(path: Path, expected: str, **options) -> str:
    """The import is refused with a BadInput whose zh/en message holds ``expected``; nothing appears beside it."""
    beside = sorted(p.name for p in Path(path).parent.iterdir())
    with pytest.raises(BadInput) as caught:
        run(path, **options)
    message = caught.value.message
    assert expected in message, message
    assert " / " in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)  # zh-Hans first, then English
    assert sorted(p.name for p in Path(path).parent.iterdir()) == beside
    return message


def buildings(crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"编码": ["A1", "A2"], "地址": ["一号楼", "二号楼"]},
                            geometry=[shapely.box(114.07, 30.1, 114.071, 30.101),
                                      shapely.box(114.08, 30.11, 114.081, 30.111)], crs=crs)


def shapefile_zip(tmp_path: Path, leave_out: str | None = None) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(buildings(), folder / "b.shp")
    target = tmp_path / "in" / "b.zip"
    target.parent.mkdir()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            if file.suffix != leave_out:
                archive.write(file, file.name)
    return target


# ---------------------------------------------------------------- not what it says

def test_png_named_geojson(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_bytes(PNG)
    refused(path, "无法识别的二进制文件")


def test_cli_refusal_is_a_message_and_exit_status_1(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_bytes(PNG)
    done = subprocess.run([sys.executable, "manage.py", "import_layer", "buildings", str(path), "--no-progress"],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GEOGOV_IMPORT_TMP": str(tmp_path / "imports")})
    assert done.returncode == 1
    assert "无法识别的二进制文件 / unrecognised binary file" in done.stderr and "Traceback" not in done.stderr


def test_csv_named_gpkg(tmp_path):
    path = tmp_path / "b.gpkg"
    path.write_text("编码,WKT\nA1,POINT (114 30)\n", encoding="utf-8")
    refused(path, "文件内容与扩展名不符：扩展名为 .gpkg，内容是 CSV")


def test_sqlite_header_then_garbage(tmp_path):
    path = tmp_path / "b.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    refused(path, "无法")


def test_unknown_extension(tmp_path):
    path = tmp_path / "b.dwg"
    path.write_text("{}")
    refused(path, "不支持的文件类型：.dwg")


def test_empty_file(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_bytes(b"")
    refused(path, "文件为空")


def test_empty_geojson_layer(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    refused(path, "图层为空，没有要素")


def test_empty_geopackage_layer(tmp_path):
    path = tmp_path / "b.gpkg"
    pyogrio.write_dataframe(buildings().iloc[:0], path)
    refused(path, "图层为空，没有要素")


def test_csv_with_header_only(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("编码,WKT\n", encoding="utf-8")
    refused(path, "表格没有数据行")


def test_kml_without_layers(tmp_path):
    path = tmp_path / "b.kml"
    path.write_text('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document></Document></kml>')
    refused(path, "文件中没有图层")


# ---------------------------------------------------------------- zips

@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """2 GiB of zeros as a .shp in a ~9 MB zip, written in 1 MiB chunks (never held in memory)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in ("b.shx", "b.dbf", "b.prj"):
            archive.writestr(name, b"x")
        with archive.open("b.shp", "w", force_zip64=True) as member:
            for _ in range(2048):
                member.write(chunk)
    return path


def test_zip_bomb_refused_by_ratio(zip_bomb):
    refused(zip_bomb, "疑似压缩炸弹")


def test_zip_bomb_refused_by_size(zip_bomb, settings):
    settings.GEOGOV_IMPORT_MAX_UNPACKED_BYTES = 1 << 30
    refused(zip_bomb, "解压后超过 1024 MB 上限")


def test_workbook_bomb_refused_before_reading(tmp_path):
    import openpyxl

    path = tmp_path / "b.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["编码", "WKT"])
    book.save(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/media/zeros.bin", "w") as member:
            for _ in range(64):
                member.write(bytes(1 << 20))
    refused(path, "疑似压缩炸弹")


def test_zip_member_lying_about_its_size(tmp_path, settings):
    """A member whose header claims 1 KB but holds 64 MB: unpacking stops at the claimed size (CRC error)."""
    honest = shapefile_zip(tmp_path)
    path = tmp_path / "in" / "liar.zip"
    with zipfile.ZipFile(honest) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "b.shp":
                archive.writestr(info, source.read(info))
        archive.writestr("b.shp", bytes(64 << 20))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo("b.shp").header_offset
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 51] != b"b.shp":
        central = data.find(b"PK\x01\x02", central + 4)
    data[local + 22:local + 26] = (1024).to_bytes(4, "little")  # uncompressed size, local header
    data[central + 24:central + 28] = (1024).to_bytes(4, "little")  # and central directory
    path.write_bytes(bytes(data))
    refused(path, "压缩包已损坏")


@pytest.mark.parametrize("member", ["../evil.shp", "a/../../evil.shp", "/tmp/evil.shp", "..\\evil.shp",
                                    "C:/evil.shp"])
def test_zip_with_unsafe_path(tmp_path, member):
    path = tmp_path / "in" / "b.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, b"x")
        archive.writestr("b.shp", b"x")
    refused(path, "压缩包含有不安全的路径")
    assert not (tmp_path / "evil.shp").exists() and not Path("/tmp/evil.shp").exists()


def test_zip_with_symlink_member(tmp_path):
    path = tmp_path / "in" / "b.zip"
    path.parent.mkdir()
    link = zipfile.ZipInfo("b.dbf")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("b.shp", b"x")
        archive.writestr(link, "/etc/passwd")
    refused(path, "压缩包含有符号链接：b.dbf")


def test_zip_with_too_many_members(tmp_path):
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("b.shp", b"x")
        for i in range(1000):
            archive.writestr(f"f{i}.txt", b"")
    refused(path, "压缩包内文件过多（1001 个，上限 1000）")


def test_encrypted_zip(tmp_path):
    path = shapefile_zip(tmp_path)
    data = bytearray(path.read_bytes())
    position = data.find(b"PK\x01\x02")
    while position != -1:  # set the "encrypted" flag bit on every member, central directory and local header
        local = int.from_bytes(data[position + 42:position + 46], "little")
        data[position + 8] |= 1
        data[local + 6] |= 1
        position = data.find(b"PK\x01\x02", position + 4)
    path.write_bytes(bytes(data))
    refused(path, "压缩包已加密")


def test_zip_with_a_name_twice(tmp_path):
    path = shapefile_zip(tmp_path)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("b.dbf", b"second")
    refused(path, "压缩包内文件重名：b.dbf")


def test_zip_without_a_shapefile(tmp_path):
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused(path, "压缩包中没有可导入的文件")


@pytest.mark.parametrize(("leave_out", "expected"), [(".shx", "Shapefile 缺少 .shx 文件"),
                                                     (".dbf", "Shapefile 缺少 .dbf 文件"),
                                                     (".prj", "Shapefile 缺少 .prj 文件；缺 .prj 时可用 --source-crs")])
def test_shapefile_missing_a_part(tmp_path, leave_out, expected):
    refused(shapefile_zip(tmp_path, leave_out), expected)


def gbk_shapefile_zip(tmp_path: Path, cpg: str) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(buildings(), folder / "b.shp", encoding="GBK")
    (folder / "b.cpg").write_text(cpg)
    target = tmp_path / "in" / "b.zip"
    target.parent.mkdir()
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    return target


def test_gbk_dbf_whose_cpg_says_utf8(tmp_path):
    path = gbk_shapefile_zip(tmp_path, "UTF-8")
    refused(path, "属性表文字无法按所声明的编码（.cpg 或 --encoding）解码，请用 --encoding 指明")
    assert run(path, commit=False, encoding="GBK").accepted == 2  # the flag wins over the .cpg


def test_shapefile_with_unknown_encoding_flag(tmp_path):
    refused(gbk_shapefile_zip(tmp_path, "GBK"), "未知的编码：NOPE-8", encoding="NOPE-8")


def test_shapefile_without_prj_imports_with_source_crs(tmp_path):
    report = run(shapefile_zip(tmp_path, ".prj"), commit=False, source_crs="EPSG:4326")
    assert (report.read, report.accepted, report.rejected) == (2, 2, 0)


# ---------------------------------------------------------------- oversized geometry

def test_ten_million_vertex_polygon(tmp_path):
    path = tmp_path / "big.geojson"
    with open(path, "w") as handle:
        handle.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"BIG"},'
                     '"geometry":{"type":"Polygon","coordinates":[[')
        block = "[114.1,30.1]," * 100_000
        for _ in range(100):
            handle.write(block)
        handle.write("[114.1,30.1]]]}}]}")
    assert path.stat().st_size > 130_000_000
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(path, "GeoJSON 中有要素约有 10,000,003 个顶点，超过上限 500,000")  # 10M + 1 vertices, 2 brackets
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert growth_mb < 200  # a byte scan before GDAL (which took ~660 MB to stop at its own object cap)


def test_geojson_feature_just_over_the_limit_rejected_per_row(tmp_path, settings):
    """Within the scan's 5 % slack: GDAL reads it, and the geometry check rejects the row by its exact count."""
    settings.GEOGOV_IMPORT_MAX_VERTICES = 2000
    ring = [[114.08 + 0.001 * i / 2050, 30.11 + (i % 2) * 1e-5] for i in range(2049)]
    features = [{"type": "Feature", "properties": {"code": "A1"},
                 "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}}]
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = run(path, commit=False)
    assert [(r.row, r.reason) for r in report.rejects] == [(1, "顶点数超过上限 2,000 / more than 2,000 vertices")]


def test_ten_million_vertex_kml_polygon_refused_while_scanning(tmp_path, monkeypatch):
    path = tmp_path / "big.kml"
    with open(path, "w") as handle:
        handle.write('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
                     "<Polygon><outerBoundaryIs><LinearRing><coordinates>\n")
        block = "114.1,30.1 " * 100_000
        for _ in range(100):
            handle.write(block)
        handle.write("</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>")
    monkeypatch.setattr(pyogrio, "read_info", lambda *a, **k: pytest.fail("GDAL opened the file"))
    refused(path, "KML 第 1 个坐标串超过 500,000 个顶点")


def test_kml_coordinate_runs_counted_across_chunks():
    """Tags cut by a chunk end and many runs: each run is counted on its own and exactly enough."""
    from importers import formats

    runs = formats._CoordinateRuns(limit=3)
    text = (b"<a>" + b"<coordinates>1,2 3,4 5,6</coordinates>" * 3) * 1000
    carry, step = b"", 7  # chunks of 7 bytes (less than a tag) exercise every cut
    for start in range(0, len(text), step):
        data = carry + text[start:start + step]
        carry = data[runs.feed(data, max(0, len(data) - formats.XML_CARRY)):]
    runs.feed(carry, len(carry))
    assert runs.runs == 3000
    with pytest.raises(BadInput, match="KML 第 1 个坐标串超过 2 个顶点"):
        formats._CoordinateRuns(limit=2).feed(b"<coordinates>1,2 3,4 5,6</coordinates>", 40)


def test_polygon_over_the_vertex_limit_rejected_per_row(tmp_path, settings):
    """Where the reader cannot measure a feature before building it (here a CSV's WKT), the row is rejected."""
    settings.GEOGOV_IMPORT_MAX_VERTICES = 1000
    big = shapely.Point(114.08, 30.11).buffer(0.0005, quad_segs=500)  # 2001 vertices
    path = tmp_path / "b.csv"
    path.write_text(f'编码,WKT\nA1,"{shapely.box(114.07, 30.1, 114.071, 30.101).wkt}"\nA2,"{big.wkt}"\n',
                    encoding="utf-8")
    report = run(path, commit=False)
    assert (report.read, report.accepted) == (2, 1)
    assert [(r.row, r.reason) for r in report.rejects] == [(3, "顶点数超过上限 1,000 / more than 1,000 vertices")]


def test_shapefile_feature_over_the_vertex_limit_refused_from_its_index(tmp_path, settings, monkeypatch):
    settings.GEOGOV_IMPORT_MAX_VERTICES = 1000
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = buildings()
    frame.geometry = [shapely.box(114.07, 30.1, 114.071, 30.101),
                      shapely.Point(114.08, 30.11).buffer(0.0005, quad_segs=500)]  # 2001 vertices
    pyogrio.write_dataframe(frame, folder / "b.shp")
    monkeypatch.setattr(pyogrio.raw, "read", lambda *a, **k: pytest.fail("the features were read"))
    refused(folder / "b.shp", "第 2 个要素约有 2,001 个顶点，超过上限 1,000")


def test_geopackage_feature_over_the_vertex_limit_refused_before_reading(tmp_path, settings, monkeypatch):
    settings.GEOGOV_IMPORT_MAX_VERTICES = 1000
    frame = buildings()
    frame.geometry = [shapely.box(114.07, 30.1, 114.071, 30.101),
                      shapely.Point(114.08, 30.11).buffer(0.0005, quad_segs=500)]  # 2001 vertices
    path = tmp_path / "b.gpkg"
    pyogrio.write_dataframe(frame, path, layer='楼 "栋"')
    real_read = pyogrio.raw.read
    monkeypatch.setattr(pyogrio.raw, "read", lambda *a, **k: real_read(*a, **k) if k.get("sql") else
                        pytest.fail("the features were read"))
    refused(path, "要素 fid=2 约有 2,001 个顶点，超过上限 1,000")


def test_huge_wkt_cell_in_csv(tmp_path, settings):
    settings.GEOGOV_IMPORT_MAX_VERTICES = 1000
    cell = "POLYGON ((" + ", ".join(["114.1 30.1"] * 20_000) + "))"
    path = tmp_path / "b.csv"
    path.write_text(f"编码,WKT\nA1,\"{cell}\"\n", encoding="utf-8")
    refused(path, "CSV 单元格过大（超过 131,072 字符）")


# ---------------------------------------------------------------- XML

XXE_KML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&xxe;</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>114.07,30.1 114.071,30.1 114.071,30.101 114.07,30.1</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>
"""
XXE_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE osm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<osm version="0.6"><node id="1" lat="30.1" lon="114.07"><tag k="name" v="&xxe;"/></node></osm>
"""


@pytest.mark.parametrize(("name", "text"), [("b.kml", XXE_KML), ("b.osm", XXE_OSM)])
def test_xml_with_external_entity(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    refused(path, "XML 文件含有 DOCTYPE/实体声明")


@pytest.mark.parametrize(("name", "text"), [("b.kml", XXE_KML), ("b.osm", XXE_OSM)])
def test_xml_declaration_hidden_behind_a_long_comment(tmp_path, name, text):
    root = "<kml>" if name.endswith("kml") else "<osm>"
    head, rest = text.split("\n", 1)
    path = tmp_path / name
    path.write_text(f"{head}\n<!-- {root} {'x' * 100_000} -->\n{rest}", encoding="utf-8")
    refused(path, "XML 文件含有 DOCTYPE/实体声明")


def test_kmz_with_external_entity(tmp_path):
    path = tmp_path / "b.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("doc.kml", XXE_KML)
    refused(path, "XML 文件含有 DOCTYPE/实体声明")


# ---------------------------------------------------------------- CSV encodings

def test_csv_broken_encoding_names_the_line(tmp_path):
    path = tmp_path / "b.csv"
    lines = ["编码,地址,WKT", "A1,一号楼,\"POINT (114.07 30.1)\"", "A2,二号楼,\"POINT (114.08 30.11)\""]
    path.write_bytes("\n".join(lines).encode("utf-8") + b"\nA3,\xff\xfe\xfd,POINT (1 2)\n")
    refused(path, "文件编码无法识别：第 4 行有无效字节")


def test_csv_with_wrong_encoding_flag(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes("编码,地址\nA1,一号楼\n".encode("gbk") + "A2,\u9fa5\u9fa5楼\n".encode()[:-2] + b"\xff\n")
    refused(path, "第 3 行有无效字节（试过 GBK）", encoding="GBK")


def test_unknown_encoding_name(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("编码,WKT\nA1,POINT (1 2)\n", encoding="utf-8")
    refused(path, "未知的编码：NOPE-8", encoding="NOPE-8")


# ---------------------------------------------------------------- crashes inside the write

def good_geojson(tmp_path: Path) -> Path:
    path = tmp_path / "b.geojson"
    pyogrio.write_dataframe(buildings(), path, driver="GeoJSON")
    return path


def test_crash_in_link_leaves_nothing(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(staging, "link", crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(good_geojson(tmp_path))
    assert not Building.objects.filter(code__in=["A1", "A2"]).exists()


def test_ctrl_c_from_progress_during_write_leaves_nothing(tmp_path):
    def progress(phase, done, total):
        if phase == "write":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(ImportRequest(kind="buildings", path=good_geojson(tmp_path), commit=True), progress)
    assert not Building.objects.filter(code__in=["A1", "A2"]).exists()


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_after_rows_are_upserted_rolls_back_for_real(tmp_path, monkeypatch):
    """Outside a test transaction: the upsert has written the rows when Ctrl-C comes; the commit never happens."""
    real_upsert, seen = staging.upsert, []

    def upsert_then_interrupt(cursor, kind, params):
        real_upsert(cursor, kind, params)
        cursor.execute("SELECT count(*) FROM layers_building WHERE code IN ('A1', 'A2')")
        seen.append(cursor.fetchone()[0])
        raise KeyboardInterrupt

    monkeypatch.setattr(staging, "upsert", upsert_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run(good_geojson(tmp_path))
    assert seen == [2]
    assert Building.objects.filter(code__in=["A1", "A2"]).count() == 0
