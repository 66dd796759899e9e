"""Basemap app: settings, the MBTiles reader, /basemap/<z>/<x>/<y> and /basemap/basemap.json, the glyph builder.

MBTiles files are made for real in tmp_path: with sqlite3 + PNG tiles from Pillow (a pattern that
encodes each pixel's position, also used by the browser test), and with GDAL's gdal_translate.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from basemap import glyphs, mbtiles
from geo_governance import config
from geo_governance.config import Basemap, parse_basemap

# --- helpers shared with tests/test_browser_basemap.py ------------------------------------------


def tile_for(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    return z, int((lon + 180.0) / 360.0 * n), int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)


def pattern_png(x: int, y: int, fmt: str = "PNG") -> bytes:
    """A 256-px tile whose colours encode the global pixel position mod 4096 (R, G: pixel; B: tile)."""
    cols, rows = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    blue = np.full((256, 256), (x % 16) * 16 + (y % 16), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([cols, rows, blue]), "RGB").save(buffer, fmt)
    return buffer.getvalue()


def decode_pattern(rgb: tuple[int, int, int]) -> tuple[int, int]:
    """Global pixel position mod 4096 from a pattern colour."""
    r, g, b = rgb[:3]
    return (b >> 4) * 256 + r, (b & 15) * 256 + g


def write_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], metadata: dict[str, str]) -> Path:
    """An MBTiles 1.3 file: metadata + tiles with TMS rows."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", list(metadata.items()))
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                       [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    db.close()
    return path


def pattern_mbtiles(path: Path, west: float, south: float, east: float, north: float, zooms: range) -> Path:
    tiles = {}
    for z in zooms:
        _, x0, y0 = tile_for(west, north, z)
        _, x1, y1 = tile_for(east, south, z)
        tiles.update({(z, x, y): pattern_png(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)})
    return write_mbtiles(path, tiles, {
        "name": "pattern", "format": "png", "type": "baselayer", "attribution": "测试影像",
        "bounds": f"{west},{south},{east},{north}", "minzoom": str(zooms.start), "maxzoom": str(zooms[-1]),
    })


# --- fixtures ------------------------------------------------------------------------------------

Z, X, Y = 15, 26766, 13541


@pytest.fixture
def sample(tmp_path) -> Path:
    return write_mbtiles(tmp_path / "sample.mbtiles", {(Z, X, Y): pattern_png(X, Y), (0, 0, 0): pattern_png(0, 0)}, {
        "name": "sample", "format": "png", "bounds": "114.0,30.0,114.4,30.2", "center": "114.2,30.1,15",
        "minzoom": "0", "maxzoom": "15", "attribution": "样例",
    })


@pytest.fixture
def client(db, django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("viewer", password="x"))
    return client


@pytest.fixture
def use_mbtiles(settings, sample):
    settings.BASEMAP = Basemap("mbtiles", str(sample), "gcj02", "")
    return sample


# --- settings ------------------------------------------------------------------------------------


def test_basemap_defaults_to_none(monkeypatch):
    for name in ("GEOGOV_BASEMAP", "GEOGOV_BASEMAP_CRS", "GEOGOV_BASEMAP_ATTRIBUTION"):
        monkeypatch.delenv(name, raising=False)
    assert config.load().basemap == Basemap("none", "", "wgs84", "")


def test_basemap_settings_are_read_from_the_environment(monkeypatch, sample):
    monkeypatch.setenv("GEOGOV_BASEMAP", f"mbtiles:{sample}")
    monkeypatch.setenv("GEOGOV_BASEMAP_CRS", "BD09")
    monkeypatch.setenv("GEOGOV_BASEMAP_ATTRIBUTION", "© 测绘院")
    assert config.load().basemap == Basemap("mbtiles", str(sample.resolve()), "bd09", "© 测绘院")


def test_xyz_basemap_keeps_its_url_template():
    url = "https://tiles.intranet.local/img/{z}/{x}/{y}.jpg"
    assert parse_basemap(f"xyz:{url}", "gcj02") == Basemap("xyz", url, "gcj02", "")


@pytest.mark.parametrize(("value", "datum", "message"), [
    ("osm", "wgs84", "GEOGOV_BASEMAP must be none, mbtiles:"),
    ("mbtiles:", "wgs84", "GEOGOV_BASEMAP must be none"),
    ("mbtiles:/no/such/file.mbtiles", "wgs84", "no such file"),
    ("xyz:ftp://host/{z}/{x}/{y}.png", "wgs84", "http"),
    ("xyz:http://host/tiles/{z}/{x}.png", "wgs84", "{y}"),
    ("none", "bd09mc", "GEOGOV_BASEMAP_CRS must be one of wgs84, gcj02, bd09"),
])
def test_invalid_basemap_settings_fail_with_a_clear_message(value, datum, message):
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_basemap(value, datum)


def test_invalid_setting_stops_the_start_up(monkeypatch):
    monkeypatch.setenv("GEOGOV_BASEMAP_CRS", "mars")
    with pytest.raises(ValueError, match="GEOGOV_BASEMAP_CRS"):
        config.load()


# --- the reader ----------------------------------------------------------------------------------


def test_reader_flips_rows_and_reads_metadata(sample):
    assert mbtiles.tms_row(Z, Y) == 2**Z - 1 - Y
    assert mbtiles.read_tile(str(sample), Z, X, Y) == pattern_png(X, Y)
    assert mbtiles.read_tile(str(sample), Z, X, 2**Z - 1 - Y) is None  # the TMS row itself is not the XYZ y
    assert mbtiles.read_metadata(str(sample))["format"] == "png"


def test_reader_opens_read_only_and_never_creates_a_file(tmp_path, sample):
    before = sample.stat().st_mtime_ns, sample.read_bytes()
    mbtiles.read_tile(str(sample), Z, X, Y)
    assert (sample.stat().st_mtime_ns, sample.read_bytes()) == before
    with pytest.raises(mbtiles.MBTilesError):
        mbtiles.read_tile(str(tmp_path / "missing.mbtiles"), 0, 0, 0)
    assert not (tmp_path / "missing.mbtiles").exists()


# --- /basemap/<z>/<x>/<y> --------------------------------------------------------------------------


def test_tile_is_served_with_its_content_type_and_cache_headers(client, use_mbtiles):
    response = client.get(f"/basemap/{Z}/{X}/{Y}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == pattern_png(X, Y)
    assert Image.open(io.BytesIO(response.content)).getpixel((10, 20)) == (10, 20, (X % 16) * 16 + Y % 16)
    assert response["Cache-Control"].startswith("private, max-age=")
    assert response["ETag"].startswith('"bm-')
    again = client.get(f"/basemap/{Z}/{X}/{Y}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    other = client.get("/basemap/0/0/0")
    assert other.status_code == 200 and other["ETag"] != response["ETag"]


def test_missing_tile_is_204(client, use_mbtiles):
    response = client.get(f"/basemap/{Z}/{X + 1}/{Y}")
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize("path", ["15/a/1", "15/1.5/1", "-1/0/0", "23/0/0", "2/4/0", "2/0/-1"])
def test_bad_tile_coordinates_are_400_json(client, use_mbtiles, path):
    response = client.get(f"/basemap/{path}")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_content_type_follows_the_format_metadata(client, settings, tmp_path):
    path = write_mbtiles(tmp_path / "jpeg.mbtiles", {(0, 0, 0): pattern_png(0, 0, "JPEG")}, {"format": "jpg"})
    settings.BASEMAP = Basemap("mbtiles", str(path))
    assert client.get("/basemap/0/0/0")["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("basemap", [Basemap("none"), Basemap("xyz", "http://tiles.intranet/{z}/{x}/{y}.png")])
def test_tiles_are_404_without_an_mbtiles_basemap(client, settings, basemap):
    settings.BASEMAP = basemap
    response = client.get(f"/basemap/{Z}/{X}/{Y}")
    assert response.status_code == 404 and "MBTiles" in response.json()["detail"]


def test_a_broken_mbtiles_file_is_503_not_500(client, settings, tmp_path):
    broken = tmp_path / "broken.mbtiles"
    broken.write_bytes(b"not a database" * 100)
    settings.BASEMAP = Basemap("mbtiles", str(broken))
    response = client.get("/basemap/0/0/0")
    assert response.status_code == 503 and response.json()["detail"]


def test_tiles_need_a_login(use_mbtiles, db):
    for path in (f"/basemap/{Z}/{X}/{Y}", "/basemap/basemap.json"):
        response = Client().get(path)
        assert response.status_code == 401 and response.json()["detail"]


# --- /basemap/basemap.json ---------------------------------------------------------------------


def test_tilejson_of_an_mbtiles_basemap(client, use_mbtiles):
    body = client.get("/basemap/basemap.json").json()
    assert body["tiles"] == ["http://testserver/basemap/{z}/{x}/{y}"]
    assert (body["minzoom"], body["maxzoom"], body["format"]) == (0, 15, "png")
    assert body["bounds"] == [114.0, 30.0, 114.4, 30.2] and body["center"] == [114.2, 30.1, 15.0]
    assert (body["kind"], body["datum"], body["attribution"], body["tilejson"]) == ("mbtiles", "gcj02", "样例", "3.0.0")


def test_configured_attribution_wins_over_the_metadata(client, settings, sample):
    settings.BASEMAP = Basemap("mbtiles", str(sample), "wgs84", "© 本市测绘院")
    assert client.get("/basemap/basemap.json").json()["attribution"] == "© 本市测绘院"


def test_tilejson_of_an_xyz_basemap_names_the_url_template(client, settings):
    url = "http://tiles.intranet/{z}/{x}/{y}.png"
    settings.BASEMAP = Basemap("xyz", url, "bd09", "")
    body = client.get("/basemap/basemap.json").json()
    assert body["tiles"] == [url] and body["datum"] == "bd09" and body["kind"] == "xyz"


def test_tilejson_is_404_without_a_basemap(client, settings):
    settings.BASEMAP = Basemap("none")
    assert client.get("/basemap/basemap.json").status_code == 404


# --- a file written by GDAL --------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("gdal_translate"), reason="gdal-bin (make setup) is not installed")
def test_an_mbtiles_file_written_by_gdal_is_served(client, settings, tmp_path):
    """gdal_translate -of MBTILES from a georeferenced PNG over the fixture county (web mercator)."""
    z = 12
    _, x, y = tile_for(114.1, 30.1, z)
    world = 2 * math.pi * 6378137
    size = world / 2**z  # one z12 tile, in metres
    west, north = -world / 2 + x * size, world / 2 - y * size
    source = tmp_path / "source.png"
    source.write_bytes(pattern_png(x, y))
    target = tmp_path / "gdal.mbtiles"
    subprocess.run(["gdal_translate", "-q", "-of", "MBTILES", "-a_srs", "EPSG:3857",
                    "-a_ullr", str(west), str(north), str(west + size), str(north - size),
                    str(source), str(target)], check=True)
    settings.BASEMAP = Basemap("mbtiles", str(target))
    body = client.get("/basemap/basemap.json").json()
    assert body["format"] == "png" and body["maxzoom"] == z
    assert body["bounds"][0] == pytest.approx(114.0820, abs=1e-3)
    response = client.get(f"/basemap/{z}/{x}/{y}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert decode_pattern(image.getpixel((100, 60))) == ((x % 16) * 256 + 100, (y % 16) * 256 + 60)
    assert client.get(f"/basemap/{z}/{x + 1}/{y}").status_code == 204


# --- glyphs ----------------------------------------------------------------------------------------


def glyph_message_class():
    """The glyphs.proto messages, built at run time with the protobuf library: an independent decoder."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="glyphs.proto", package="llmr", syntax="proto2")
    glyph = proto.message_type.add(name="glyph")
    for number, (name, kind) in enumerate([("id", field.TYPE_UINT32), ("bitmap", field.TYPE_BYTES),
                                           ("width", field.TYPE_UINT32), ("height", field.TYPE_UINT32),
                                           ("left", field.TYPE_SINT32), ("top", field.TYPE_SINT32),
                                           ("advance", field.TYPE_UINT32)], start=1):
        glyph.field.add(name=name, number=number, type=kind,
                        label=field.LABEL_OPTIONAL if name == "bitmap" else field.LABEL_REQUIRED)
    stack = proto.message_type.add(name="fontstack")
    stack.field.add(name="name", number=1, type=field.TYPE_STRING, label=field.LABEL_REQUIRED)
    stack.field.add(name="range", number=2, type=field.TYPE_STRING, label=field.LABEL_REQUIRED)
    stack.field.add(name="glyphs", number=3, type=field.TYPE_MESSAGE, label=field.LABEL_REPEATED,
                    type_name=".llmr.glyph")
    top = proto.message_type.add(name="glyphs")
    top.field.add(name="stacks", number=1, type=field.TYPE_MESSAGE, label=field.LABEL_REPEATED,
                  type_name=".llmr.fontstack")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("llmr.glyphs"))


def decode_glyphs(data: bytes) -> dict:
    message = glyph_message_class()()
    message.ParseFromString(data)
    assert len(message.stacks) == 1
    return message.stacks[0]


def test_build_glyphs_writes_sdf_glyphs_that_protobuf_decodes(tmp_path):
    from django.core.management import call_command

    name, font = glyphs.default_font()
    call_command("build_glyphs", "--out", str(tmp_path), stdout=io.StringIO())
    stack = decode_glyphs((tmp_path / name / "0-255.pbf").read_bytes())
    assert (stack.name, stack.range) == (name, "0-255")
    by_id = {g.id: g for g in stack.glyphs}
    assert set(map(ord, "0123456789ABCXYZabcxyz-_.·")) <= set(by_id)
    assert not set(range(32)) & set(by_id)  # no control characters
    space = by_id[32]
    assert (space.width, space.height, space.bitmap, space.advance > 0) == (0, 0, b"", True)
    for char in "08Ag":
        g = by_id[ord(char)]
        assert len(g.bitmap) == (g.width + 2 * glyphs.BUFFER) * (g.height + 2 * glyphs.BUFFER)
        field = np.frombuffer(g.bitmap, np.uint8).reshape(g.height + 6, g.width + 6)
        assert field[0].max() < 191 and field[:, 0].max() < 191  # the border is outside the glyph
        assert field.max() > 191  # and the glyph has an inside
        assert 8 <= g.advance <= 20 and 10 <= g.height <= 22
    assert by_id[ord("g")].top < by_id[ord("A")].top  # the descender sits lower


def test_committed_glyphs_are_the_fontstack_the_map_asks_for():
    """static/glyphs holds the wqy-microhei stack that basemap.js names, with digits and Latin."""
    committed = glyphs.GLYPHS_DIR / "wqy-microhei" / "0-255.pbf"
    assert committed.is_file(), "run manage.py build_glyphs and commit static/glyphs/"
    stack = decode_glyphs(committed.read_bytes())
    assert (stack.name, stack.range) == ("wqy-microhei", "0-255")
    ids = {g.id for g in stack.glyphs}
    assert set(range(32, 127)) <= ids and set(range(160, 256)) <= ids
    script = (glyphs.GLYPHS_DIR.parent / "gridmap" / "basemap.js").read_text()
    assert 'const FONTSTACK = ["wqy-microhei"];' in script


def test_signed_distance_field_of_a_square():
    alpha = np.zeros((20, 20))
    alpha[6:14, 6:14] = 1.0
    field = glyphs.signed_distance_field(alpha)
    assert field[10, 10] == 255 and field[0, 0] == 0
    assert field[10, 5] == round(255 - 255 * (1 / glyphs.RADIUS + glyphs.CUTOFF))  # one pixel outside the edge
    assert field[10, 6] == round(255 - 255 * (-1 / glyphs.RADIUS + glyphs.CUTOFF))  # one pixel inside
    assert (int(field[10, 5]) + int(field[10, 6])) / 2 == pytest.approx(255 * (1 - glyphs.CUTOFF), abs=1)  # edge


def test_glyph_encoding_is_the_protobuf_wire_format():
    glyph = glyphs.Glyph(id=65, bitmap=b"\x01\x02", width=1, height=1, left=-2, top=-300, advance=12)
    decoded = decode_glyphs(glyphs.encode_fontstack("x", 0, 255, [glyph])).glyphs[0]
    assert (decoded.id, decoded.bitmap, decoded.left, decoded.top, decoded.advance) == (65, b"\x01\x02", -2, -300, 12)


def test_map_page_carries_the_basemap_switch_only_with_a_basemap(client, settings, sample):
    settings.BASEMAP = Basemap("none")
    html = client.get("/map/").content.decode()
    assert 'id="map-basemap-config"' in html and 'data-kind="none"' in html and 'id="map-basemap"' not in html
    assert "glyphs/{fontstack}/{range}.pbf" in html
    settings.BASEMAP = Basemap("mbtiles", str(sample), "gcj02")
    html = client.get("/map/").content.decode()
    assert 'id="map-basemap"' in html and 'data-datum="gcj02"' in html
    assert '<option value="gcj02" selected>' in html
    assert json.loads(client.get("/basemap/basemap.json").content)["datum"] == "gcj02"
