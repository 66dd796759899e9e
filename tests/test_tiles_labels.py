"""Label points in the grids and divisions tiles: one point per feature and zoom, in one tile only.

MapLibre labels a polygon in every tile that holds a piece of it, so a big grid's name repeated on the
screen. The tiles now carry ``grids_label`` / ``divisions_label``: ST_PointOnSurface of each feature,
written only into the tile whose envelope holds the point. These tests decode every tile round the
fixture district at each zoom and count the labels.
"""

from __future__ import annotations

import math
from collections import Counter

import mapbox_vector_tile
import pytest

from layers.models import Division, Grid
from tests.conftest import box
from tests.test_tiles import tile_for, url
from tiles.sources.grids import LABEL_MINZOOM

DISTRICT = (114.00, 30.00, 114.40, 30.20)  # the fixture county
EXTENT = 4096
# a level-2 grid in town 2 centred on 114.2578125°, a tile edge from z10 on (837/1024 of the world)
EDGE_LON = 837 / 1024 * 360 - 180
EDGE_GRID = "42010200200100101"
LEVELS_AT = {8: 1, 9: 1, 10: 2, 11: 3, 12: 3, 13: 3, 14: 3}  # deepest grid level by zoom (grids.py)
LABELLED_ZOOMS = [z for z in sorted(LEVELS_AT) if z >= LABEL_MINZOOM]


@pytest.fixture
def sub_grids(district) -> None:
    """A level-2 grid straddling tile edges (town 2) and a level-3 grid inside grid 11 (town 1)."""
    Grid.objects.create(code=EDGE_GRID, name="东一跨界网格", level=2, division=district.village2,
                        parent=district.grid21, boundary=box(EDGE_LON - 0.005, 30.06, EDGE_LON + 0.005, 30.08))
    sub = Grid.objects.create(code="42010200100100101", name="西一子网格", level=2, division=district.village1,
                              parent=district.grid11, boundary=box(114.06, 30.06, 114.09, 30.14))
    Grid.objects.create(code="4201020010010010101", name="西一孙网格", level=3, division=district.village1,
                        parent=sub, boundary=box(114.065, 30.065, 114.08, 30.12))


def covering_tiles(z: int) -> list[tuple[int, int, int]]:
    """Every tile of zoom z over the district, with a ring of neighbours round it."""
    _, x0, y0 = tile_for(DISTRICT[0], DISTRICT[3], z)
    _, x1, y1 = tile_for(DISTRICT[2], DISTRICT[1], z)
    return [(z, x, y) for x in range(x0 - 1, x1 + 2) for y in range(y0 - 1, y1 + 2)]


def lon_lat(z: int, x: int, y: int, px: float, py: float) -> tuple[float, float]:
    """Tile pixel (origin top left, y down) to lon/lat."""
    n = 2**z
    fx, fy = (x + px / EXTENT) / n, (y + py / EXTENT) / n
    return fx * 360.0 - 180.0, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * fy))))


def labels_over_district(client, layer: str, z: int) -> tuple[list[dict], set[str]]:
    """(every label feature of the zoom, with its tile and lon/lat; the codes of the polygons seen)."""
    labels, polygons = [], set()
    for coord in covering_tiles(z):
        response = client.get(url(layer, *coord))
        if response.status_code == 204:
            continue
        assert response.status_code == 200, response.content
        tile = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
        assert set(tile) <= {layer, f"{layer}_label"}
        polygons |= {f["properties"]["code"] for f in tile.get(layer, {"features": []})["features"]}
        for feature in tile.get(f"{layer}_label", {"features": []})["features"]:
            assert feature["geometry"]["type"] == "Point"
            px, py = feature["geometry"]["coordinates"]
            assert 0 <= px <= EXTENT and 0 <= py <= EXTENT, (coord, feature)  # inside the tile, no buffer
            labels.append({**feature["properties"], "id": feature["id"], "tile": coord,
                           "lonlat": lon_lat(*coord, px, py)})
    return labels, polygons


def assert_inside(label: dict, boundary, z: int) -> None:
    """The label point lies in its feature (up to the tile's 1/4096 rounding)."""
    lon, lat = label["lonlat"]
    slack = 360.0 / 2**z / EXTENT
    minx, miny, maxx, maxy = boundary.extent
    assert minx - slack <= lon <= maxx + slack and miny - slack <= lat <= maxy + slack, label


@pytest.mark.parametrize("z", LABELLED_ZOOMS)
def test_each_grid_has_one_label_per_zoom(sub_grids, api, z: int) -> None:
    labels, polygons = labels_over_district(api("admin"), "grids", z)
    counts = Counter(label["code"] for label in labels)
    shown = Grid.objects.filter(level__lte=LEVELS_AT[z])
    assert counts == Counter({grid.code: 1 for grid in shown}), z  # each exactly once, none missing
    assert set(counts) == polygons  # a label for every grid drawn, and only for those
    for label in labels:
        grid = shown.get(code=label["code"])
        assert (label["id"], label["name"], label["level"]) == (grid.pk, grid.name, grid.level)
        assert set(label) == {"code", "name", "level", "id", "tile", "lonlat"}
        assert_inside(label, grid.boundary, z)


def test_big_grid_spans_many_tiles_but_has_one_label(sub_grids, api) -> None:
    client = api("admin")
    pieces = 0
    for coord in covering_tiles(14):
        response = client.get(url("grids", *coord))
        if response.status_code == 200:
            grids = mapbox_vector_tile.decode(response.content)["grids"]["features"]
            pieces += any(f["properties"]["code"] == "420102001001001" for f in grids)
    assert pieces > 20  # grid 11 is cut into many tiles at z14 ...
    labels, _ = labels_over_district(client, "grids", 14)
    assert [label["code"] for label in labels].count("420102001001001") == 1  # ... and labelled once


@pytest.mark.parametrize("z", [z for z in sorted(LEVELS_AT) if z < LABEL_MINZOOM])
def test_no_grid_labels_below_their_zoom(sub_grids, api, z: int) -> None:
    """The map draws grid labels from z13; below, the points would only add bytes (0.75 MB at a city z8)."""
    labels, polygons = labels_over_district(api("admin"), "grids", z)
    assert polygons and labels == []


def test_the_map_draws_grid_labels_from_the_label_zoom() -> None:
    from django.conf import settings

    script = (settings.BASE_DIR / "static" / "gridmap" / "basemap.js").read_text(encoding="utf-8")
    assert f'"source-layer": "grids_label", minzoom: {LABEL_MINZOOM},' in script
    assert '"source-layer": "divisions_label"' in script


def test_label_on_a_tile_edge_is_in_one_tile(sub_grids, api) -> None:
    client = api("admin")
    for z in LABELLED_ZOOMS:
        labels, _ = labels_over_district(client, "grids", z)
        (edge,) = [label for label in labels if label["code"] == EDGE_GRID]
        assert abs(edge["lonlat"][0] - EDGE_LON) < 360.0 / 2**z / EXTENT  # on the edge x = 837·2^(z-10)
        assert edge["tile"][1] in (837 * 2 ** (z - 10) - 1, 837 * 2 ** (z - 10))


@pytest.mark.parametrize("user, prefix", [("town1", "420102001"), ("town2", "420102002"),
                                          ("worker11", "420102001001001")])
def test_grid_labels_follow_the_area(sub_grids, api, user: str, prefix: str) -> None:
    for z in LABELLED_ZOOMS:
        labels, polygons = labels_over_district(api(user), "grids", z)
        codes = Counter(label["code"] for label in labels)
        expected = Grid.objects.filter(code__startswith=prefix, level__lte=LEVELS_AT[z])
        assert codes == Counter({grid.code: 1 for grid in expected}), (user, z)
        assert set(codes) == polygons


def test_town1_tiles_carry_no_label_of_town2(sub_grids, api) -> None:
    for layer in ("grids", "divisions"):
        labels, _ = labels_over_district(api("town1"), layer, LABEL_MINZOOM)
        assert labels and all(label["code"].startswith("420102001") for label in labels)
    for coord in covering_tiles(LABEL_MINZOOM):
        body = api("town1").get(url("grids", *coord)).content
        assert "东".encode() not in body  # neither a town-2 polygon nor a town-2 label name


@pytest.mark.parametrize("z", (5, 8, 10, 12))
def test_each_division_has_one_label_per_zoom(district, api, z: int) -> None:
    labels, polygons = labels_over_district(api("county"), "divisions", z)
    counts = Counter(label["code"] for label in labels)
    assert counts == Counter({d.code: 1 for d in Division.objects.all()}), z
    assert set(counts) == polygons
    for label in labels:
        division = Division.objects.get(code=label["code"])
        assert (label["name"], label["level"]) == (division.name, division.level)
        assert_inside(label, division.boundary, z)


def test_division_labels_follow_the_area(district, api) -> None:
    labels, _ = labels_over_district(api("town1"), "divisions", 10)
    assert sorted(label["code"] for label in labels) == ["420102001000", "420102001001"]
    labels, _ = labels_over_district(api("worker11"), "divisions", 10)
    assert labels == []


def test_tilejson_lists_the_label_layers(district, api) -> None:
    client = api("admin")
    grids = {layer["id"]: layer for layer in client.get("/tiles/grids.json").json()["vector_layers"]}
    assert list(grids) == ["grids", "grids_label"]
    assert grids["grids_label"]["fields"] == {"code": "String", "name": "String", "level": "Number"}
    assert (grids["grids_label"]["minzoom"], grids["grids_label"]["maxzoom"]) == (LABEL_MINZOOM, 22)
    divisions = {layer["id"]: layer for layer in client.get("/tiles/divisions.json").json()["vector_layers"]}
    assert list(divisions) == ["divisions", "divisions_label"]
    assert (divisions["divisions_label"]["minzoom"], divisions["divisions_label"]["maxzoom"]) == (0, 22)
    assert divisions["divisions_label"]["fields"] == {"code": "String", "name": "String", "level": "String"}
    (buildings,) = client.get("/tiles/buildings.json").json()["vector_layers"]  # no label layer there
    assert buildings["id"] == "buildings"
