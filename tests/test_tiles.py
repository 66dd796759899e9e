"""Vector tiles (/tiles/): content, area scoping, errors, TileJSON and HTTP caching, on real PostGIS."""

from __future__ import annotations

import datetime as dt
import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from layers.models import Building, Division, Grid, Household, Incident, Sensor
from tests.conftest import box
from tiles.service import generalisation, parse_coord
from tiles.sources import REGISTRY, SQL_DIR

BENCH_SQL = SQL_DIR.parent.parent / "bench" / "sql"

MVT = "application/vnd.mapbox-vector-tile"


def tile_for(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The XYZ (slippy map) tile holding a lon/lat point at zoom z."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return z, x, y


def url(layer: str, z: int, x: int, y: int) -> str:
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf"


def decode(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == MVT
    return mapbox_vector_tile.decode(response.content)


def props(layer: dict) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in layer["features"]}


B1 = (114.0705, 30.1005)  # centre of fixture building b1 (town 1)
BOTH_TOWNS = tile_for(114.20, 30.10, 9)  # one z9 tile holds the whole fixture county


def test_helper_matches_known_tile() -> None:
    assert tile_for(0.0, 0.0, 1) == (1, 1, 1)
    assert tile_for(-179.9, 85.0, 2) == (2, 0, 0)
    assert tile_for(114.07, 30.10, 9) == tile_for(114.30, 30.10, 9)


def test_building_tile_features_and_attributes(district, api) -> None:
    Sensor.objects.create(device_id="SMOKE-1", kind="smoke", location=Point(114.0705, 30.1005, srid=4326),
                          building=district.b1, grid=district.grid11)
    layers = decode(api("admin").get(url("buildings", *tile_for(*B1, 15))))
    assert list(layers) == ["buildings"]
    b1 = props(layers["buildings"])["B1"]
    assert b1 == {"code": "B1", "floors": 6, "use": "residential", "households": 2,  # height NULL
                  "tier_green": 1, "tier_yellow": 0, "tier_red": 1, "has_smoke": True}
    b2 = props(layers["buildings"]).get("B2")
    assert b2 is None or (b2["households"], b2["tier_yellow"], b2["has_smoke"]) == (1, 1, False)
    feature = next(f for f in layers["buildings"]["features"] if f["properties"]["code"] == "B1")
    assert feature["id"] == district.b1.pk
    assert feature["geometry"]["type"] == "Polygon"
    assert set(props(layers["buildings"])) <= {"B1", "B2"}  # b3 lies in another tile


def test_grid_and_division_tiles_at_low_zoom(district, api) -> None:
    client = api("admin")
    grids = props(decode(client.get(url("grids", *BOTH_TOWNS)))["grids"])
    assert set(grids) == {"420102001001001", "420102001001002", "420102002001001"}
    g11 = grids["420102001001001"]
    assert set(g11) == set(REGISTRY["grids"].fields)
    assert (g11["households"], g11["residents"], g11["tier_green"], g11["tier_red"]) == (2, 4, 1, 1)
    divisions = props(decode(client.get(url("divisions", *BOTH_TOWNS)))["divisions"])
    assert divisions["420102001000"] == {"code": "420102001000", "name": "西街道", "level": "town"}
    assert len(divisions) == 5


def test_incident_and_sensor_tiles(district, api) -> None:
    Incident.objects.create(code="E1", title="t", category="环境/垃圾", source="hotline", status="accepted",
                            location=Point(*B1, srid=4326), grid=district.grid11,
                            reported_at=timezone.now() - dt.timedelta(days=3))
    Sensor.objects.create(device_id="CAM-1", kind="camera", status="offline",
                          location=Point(*B1, srid=4326), grid=district.grid11)
    client = api("town1")
    incidents = decode(client.get(url("incidents", *tile_for(*B1, 14))))["incidents"]["features"]
    assert [f["properties"] for f in incidents] == [
        {"code": "E1", "status": "accepted", "category": "环境/垃圾", "age_days": 3}]
    sensors = decode(client.get(url("sensors", *tile_for(*B1, 16))))["sensors"]["features"]
    assert [f["properties"] for f in sensors] == [{"device_id": "CAM-1", "kind": "camera", "status": "offline"}]
    (cluster,) = decode(client.get(url("incidents", *tile_for(*B1, 13))))["incidents"]["features"]
    assert [cluster["properties"][k] for k in ("count", "open", "accepted", "reported")] == [1, 1, 1, 0]
    assert client.get(url("incidents", *tile_for(*B1, 7))).status_code == 204  # below minzoom


def test_closed_incidents_carry_no_code_but_their_id(district, api) -> None:
    closed = Incident.objects.create(code="E9", title="t", category="c", source="web", status="archived",
                                     location=Point(*B1, srid=4326), grid=district.grid11,
                                     reported_at=timezone.now() - dt.timedelta(days=40))
    (feature,) = decode(api("admin").get(url("incidents", *tile_for(*B1, 15))))["incidents"]["features"]
    assert feature["id"] == closed.pk
    assert feature["properties"] == {"status": "archived", "category": "c", "age_days": 40}


def test_no_residents_in_any_tile(district, api) -> None:
    client = api("admin")
    names = [r.name.encode() for r in district.residents] + [r.id_number.encode() for r in district.residents]
    for layer in REGISTRY:
        for z in (9, 15):
            body = client.get(url(layer, *tile_for(*B1, z))).content
            assert not any(name in body for name in names)


def test_grid_levels_appear_by_zoom(district, api) -> None:
    from tiles.sources.grids import LEVELS_BY_ZOOM

    sub = Grid.objects.create(code="42010200100100101", name="子网格", level=2, division=district.village1,
                              parent=district.grid11, boundary=box(114.06, 30.06, 114.08, 30.08))
    Grid.objects.create(code="4201020010010010101", name="孙网格", level=3, division=district.village1,
                        parent=sub, boundary=box(114.065, 30.065, 114.07, 30.07))
    client = api("admin")
    assert client.get(url("grids", *tile_for(114.07, 30.07, LEVELS_BY_ZOOM[0][0] - 1))).status_code == 204
    for z in range(LEVELS_BY_ZOOM[0][0], 13):
        deepest = max(level for first_zoom, level in LEVELS_BY_ZOOM if first_zoom <= z)
        grids = props(decode(client.get(url("grids", *tile_for(114.07, 30.07, z))))["grids"])
        assert {g["level"] for g in grids.values()} == set(range(1, deepest + 1)), z


def test_town1_sees_nothing_of_town2(district, api) -> None:
    client = api("town1")
    grids = props(decode(client.get(url("grids", *BOTH_TOWNS)))["grids"])
    assert set(grids) == {"420102001001001", "420102001001002"}
    divisions = props(decode(client.get(url("divisions", *BOTH_TOWNS)))["divisions"])
    assert set(divisions) == {"420102001000", "420102001001"}  # not the county, not town 2
    b3_tile = tile_for(114.3005, 30.1005, 15)
    assert client.get(url("buildings", *b3_tile)).status_code == 204
    assert "B3" in props(decode(api("town2").get(url("buildings", *b3_tile)))["buildings"])


def test_grid_worker_sees_own_grid_only(district, api) -> None:
    grids = props(decode(api("worker11").get(url("grids", *BOTH_TOWNS)))["grids"])
    assert set(grids) == {"420102001001001"}


def test_user_without_profile_gets_empty_tiles(district, api) -> None:
    client = api("nobody")
    for layer in REGISTRY:
        response = client.get(url(layer, *tile_for(*B1, 15)))
        assert response.status_code == 204
        assert response.content == b""


def test_anonymous_gets_401(district) -> None:
    response = Client().get(url("grids", *BOTH_TOWNS))
    assert response.status_code == 401
    assert Client().get("/tiles/grids.json").status_code == 401


@pytest.mark.parametrize("path, field", [
    ("/tiles/grids/a/0/0.pbf", None),
    ("/tiles/grids/1.5/0/0.pbf", None),
    ("/tiles/grids/23/0/0.pbf", "z"),
    ("/tiles/grids/-1/0/0.pbf", "z"),
    ("/tiles/grids/2/4/0.pbf", "x"),
    ("/tiles/grids/2/0/4.pbf", "y"),
    ("/tiles/grids/0/-1/0.pbf", "x"),
])
def test_bad_coordinates_are_400_json(district, api, path: str, field: str | None) -> None:
    response = api("admin").get(path)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert body.get("field") == field


def test_unknown_layer_is_404_json(district, api) -> None:
    client = api("admin")
    for path in ("/tiles/residents/1/0/0.pbf", "/tiles/residents.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert "unknown tile layer" in response.json()["detail"]


def test_empty_tile_is_204(district, api) -> None:
    response = api("admin").get(url("grids", *tile_for(-70.0, -30.0, 10)))  # far from the district
    assert response.status_code == 204


def test_buildings_absent_below_minzoom(district, api) -> None:
    client = api("admin")
    assert client.get(url("buildings", *tile_for(*B1, 13))).status_code == 204
    assert client.get(url("buildings", *tile_for(*B1, 14))).status_code == 200


def test_tilejson_shape(district, api) -> None:
    response = api("town1").get("/tiles/buildings.json")
    assert response.status_code == 200
    body = response.json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"] == ["http://testserver/tiles/buildings/{z}/{x}/{y}.pbf"]
    assert (body["minzoom"], body["maxzoom"]) == (14, 22)
    assert body["bounds"] == pytest.approx([114.0, 30.0, 114.2, 30.2])  # town 1 only
    (layer,) = body["vector_layers"]
    assert layer["id"] == "buildings"
    assert layer["fields"] == {"code": "String", "floors": "Number", "height": "Number", "use": "String",
                               "households": "Number", "tier_green": "Number", "tier_yellow": "Number",
                               "tier_red": "Number", "has_smoke": "Boolean"}
    assert api("admin").get("/tiles/grids.json").json()["bounds"] == pytest.approx([114.0, 30.0, 114.4, 30.2])


def test_etag_cache_control_and_304(district, api) -> None:
    client = api("town1")
    path = url("incidents", *tile_for(*B1, 12))
    Incident.objects.create(code="E1", title="t", category="c", source="web", location=Point(*B1, srid=4326),
                            grid=district.grid11, reported_at=timezone.now())
    first = client.get(path)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # another user's area prefix gives another ETag for the same tile
    assert api("admin").get(path)["ETag"] != etag
    # a status change and an insert each change the data version
    Incident.objects.filter(code="E1").update(status="resolved")
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    Incident.objects.create(code="E2", title="t", category="c", source="web", location=Point(*B1, srid=4326),
                            grid=district.grid11, reported_at=timezone.now())
    assert client.get(path, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_grid_figures_refresh_changes_etag(district, api) -> None:
    from layers.models import Grid

    client = api("admin")
    path = url("grids", *BOTH_TOWNS)
    etag = client.get(path)["ETag"]
    Grid.objects.filter(code="420102001001001").update(tier_red=0, tier_green=2)  # raw update, no updated_at
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_coordinates_and_generalisation_rules() -> None:
    assert parse_coord("0", "0", "0").z == 0
    assert parse_coord("22", str(2**22 - 1), "0").x == 2**22 - 1
    tolerance, min_area = generalisation(10)
    assert tolerance == pytest.approx(152.87, rel=1e-3)  # metres per pixel at z10
    assert min_area == pytest.approx(tolerance**2)
    assert generalisation(14) == (0.0, 0.0)


def test_registry_sources_have_sql_with_bound_parameters() -> None:
    assert set(REGISTRY) == {"divisions", "grids", "buildings", "incidents", "sensors"}
    for name, source in REGISTRY.items():
        assert source.name == name
        for kind in source.kinds:
            assert "ST_TileEnvelope(%(z)s, %(x)s, %(y)s" in kind.sql
            assert f"ST_AsMVT(mvtgeom, '{name}', 4096, 'geom', 'id' ORDER BY id)" in kind.sql
            assert "%(prefix)s || '%%'" in kind.sql
            code = "\n".join(line.split("--")[0] for line in kind.sql.splitlines())  # without comments
            assert "ST_Transform(" not in code  # the stored EPSG:3857 copies are read as they are


def test_raw_incident_sql_lists_the_open_statuses() -> None:
    """The point SQL (and its bench references) spell OPEN_STATUSES out, so they bind only the standard parameters."""
    from layers.models.incidents import OPEN_STATUSES

    listed = "(" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"
    for path in (SQL_DIR / "incidents.sql", BENCH_SQL / "incidents_points.sql",
                 BENCH_SQL / "incidents_transform_on_read.sql"):
        assert f"i.status IN {listed}" in path.read_text(encoding="utf-8"), path


def test_feature_kinds_tile_the_zoom_range_without_gaps() -> None:
    for source in REGISTRY.values():
        zooms = [z for kind in source.kinds for z in range(kind.minzoom, kind.maxzoom + 1)]
        assert zooms == list(range(source.minzoom, source.maxzoom + 1))
    assert [(k.name, k.minzoom, k.maxzoom) for k in REGISTRY["incidents"].kinds] == [
        ("cluster", 8, 13), ("point", 14, 22)]


@pytest.mark.parametrize(("layer", "edit"), [
    ("buildings", lambda d: Building.objects.filter(pk=d.b1.pk).update(floors=9)),
    ("buildings", lambda d: Household.objects.filter(building=d.b1).update(tier="red")),
    ("divisions", lambda d: Division.objects.filter(pk=d.village1.pk).update(name="改名社区")),
    ("grids", lambda d: Grid.objects.filter(pk=d.grid11.pk).update(name="改名网格")),
    ("incidents", lambda d: Grid.objects.filter(pk=d.grid11.pk).update(name="改名网格")),
])
def test_an_in_place_edit_changes_the_etag(district, api, layer, edit) -> None:
    client = api("admin")
    zoom = max(REGISTRY[layer].minzoom, 14)
    path = url(layer, *tile_for(*B1, zoom))
    etag = client.get(path)["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    edit(district)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code != 304


def test_unrelated_writes_keep_the_etag(district, api) -> None:
    client = api("admin")
    path = url("divisions", *tile_for(*B1, 14))
    etag = client.get(path)["ETag"]
    Building.objects.filter(pk=district.b1.pk).update(floors=9)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
