"""Tiles from the stored EPSG:3857 copies give the same bytes as the transform-on-read reference SQL.

bench/sql/<layer>_transform_on_read.sql transforms every geometry on read, as the layers did before the
generated ``*_3857`` columns; the benchmark compares their speed, and this test their output: byte for
byte, for many tiles per layer (including tiles that cut features at their edges), for two areas.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.utils import timezone

from layers.models import Building, Household, Incident, Sensor
from tests.test_tiles import tile_for
from tiles.service import TileCoord, generalisation, render_tile
from tiles.sources import REGISTRY

BENCH_SQL = Path(settings.BASE_DIR) / "bench" / "sql"
AREA = (114.05, 30.05, 114.15, 30.15)  # village 1: grids 11 and 12
CENTRES = ((114.0705, 30.1005), (114.1, 30.1), (114.0875, 30.0813), (114.125, 30.125))
ZOOMS = {"divisions": (8, 10, 12, 14), "grids": (9, 11, 13, 15), "buildings": (14, 15, 16, 17),
         "sensors": (14, 15, 16), "incidents": (14, 15, 17)}
PREFIXES = ("", "420102001")


@pytest.fixture
def scattered(district) -> None:
    """Buildings with households, sensors and incidents scattered over village 1 (deterministic)."""
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = AREA
    for i, (x, y) in enumerate(rng.uniform((minx, miny), (maxx - 0.003, maxy - 0.003), size=(80, 2))):
        w, h = rng.uniform(0.0002, 0.003, size=2)
        building = Building.objects.create(code=f"S{i}", village=district.village1, floors=int(rng.integers(1, 30)),
                                           footprint=MultiPolygon(Polygon.from_bbox((x, y, x + w, y + h)), srid=4326))
        for room in range(int(rng.integers(0, 4))):
            Household.objects.create(code=f"S{i}-{room}", building=building, floor=1, room=str(room),
                                     tier=("green", "yellow", "red")[int(rng.integers(0, 3))])
    Building.objects.assign_grids()
    kinds = ("smoke", "camera", "gas", "door")
    for i, (x, y) in enumerate(rng.uniform((minx, miny), (maxx, maxy), size=(150, 2))):
        Sensor.objects.create(device_id=f"D{i}", kind=kinds[i % 4], location=Point(x, y, srid=4326))
    Sensor.objects.assign_grids()
    Sensor.objects.assign_buildings()
    points = rng.uniform((minx - 0.02, miny), (maxx, maxy), size=(300, 2))  # some outside every grid
    Incident.objects.bulk_create(
        Incident(code=f"I{i}", title="t", category="c", source="web",
                 status=("reported", "resolved", "archived")[i % 3],
                 location=Point(x, y, srid=4326), reported_at=timezone.now() - dt.timedelta(days=i % 50))
        for i, (x, y) in enumerate(points))
    Incident.objects.assign_grids()


def tiles(layer: str) -> list[TileCoord]:
    """The tiles round each centre at each zoom, with their right and lower neighbours (shared edges)."""
    coords = {tile_for(lon, lat, z) for lon, lat in CENTRES for z in ZOOMS[layer]}
    return sorted({TileCoord(z, x + dx, y + dy) for z, x, y in coords for dx in (0, 1) for dy in (0, 1)},
                  key=lambda c: (c.z, c.x, c.y))


def reference_tile(layer: str, sql_file: str, coord: TileCoord, prefix: str) -> bytes:
    simplify, min_area = generalisation(coord.z)
    params = {"z": coord.z, "x": coord.x, "y": coord.y, "prefix": prefix, "simplify": simplify,
              "min_area": min_area}
    with connection.cursor() as cursor:
        cursor.execute((BENCH_SQL / sql_file).read_text(encoding="utf-8"), params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


@pytest.mark.parametrize("layer", sorted(ZOOMS))
def test_stored_copy_tiles_equal_transform_on_read(scattered, layer: str) -> None:
    source = REGISTRY[layer]
    non_empty = 0
    for prefix in PREFIXES:
        for coord in tiles(layer):
            ours = render_tile(source, coord, prefix)
            assert ours == reference_tile(layer, f"{layer}_transform_on_read.sql", coord, prefix), (layer, coord)
            non_empty += bool(ours)
    assert non_empty >= 8  # the comparison is not between empty tiles


def test_raw_point_reference_equals_the_point_tiles(scattered) -> None:
    source = REGISTRY["incidents"]
    coords = tiles("incidents")
    assert all(source.kind_at(c.z).name == "point" for c in coords)
    assert sum(bool(render_tile(source, c, "")) for c in coords) >= 4
    for coord in coords:
        assert render_tile(source, coord, "") == reference_tile("incidents", "incidents_points.sql", coord, "")


def test_raw_point_reference_works_below_z14(scattered) -> None:
    import mapbox_vector_tile

    coord = TileCoord(*tile_for(114.1, 30.1, 10))
    layers = mapbox_vector_tile.decode(reference_tile("incidents", "incidents_points.sql", coord, ""))
    assert len(layers["incidents"]["features"]) == Incident.objects.count()  # the whole fixture is in it


def test_stored_copies_follow_edits(scattered) -> None:
    """The generated columns are recomputed on every write of the source geometry (spherical mercator)."""
    sensor = Sensor.objects.get(device_id="D0")
    Sensor.objects.filter(pk=sensor.pk).update(location=Point(114.1, 30.1, srid=4326))
    stored = Sensor.objects.values_list("location_3857", flat=True).get(pk=sensor.pk)
    radius = 6378137.0
    assert stored.srid == 3857
    assert stored.x == pytest.approx(radius * math.radians(114.1), abs=0.01)
    assert stored.y == pytest.approx(radius * math.log(math.tan(math.pi / 4 + math.radians(30.1) / 2)), abs=0.01)
    building = Building.objects.get(code="B1")
    assert building.footprint_3857.srid == 3857
    assert building.footprint_3857.area == pytest.approx(
        Building.objects.filter(pk=building.pk).values_list("footprint", flat=True)[0].transform(3857, clone=True).area)
