"""Incidents below z14: clusters from the trigger-kept bins; counts add up, follow every write, are scoped."""

from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from layers.models import Incident, IncidentBin, IncidentStatus
from layers.models.incidents import OPEN_STATUSES
from tests.test_tiles import tile_for, url
from tiles.sources import REGISTRY

COUNTY = (114.0, 30.0, 114.4, 30.2)
CLUSTER_ZOOMS = range(8, 14)
STATUSES = [s.value for s in IncidentStatus]
WORLD = 2 * math.pi * 6378137
EMPTY_SPOT = (114.38, 30.02)  # inside the county, outside every grid; the fixture leaves it empty


@pytest.fixture
def incidents(district) -> int:
    """500 incidents over the county, every status, some outside any grid; bulk insert, then grids by UPDATE."""
    rng = np.random.default_rng(3)
    points = rng.uniform(COUNTY[:2], COUNTY[2:], size=(500, 2))
    points = points[np.hypot(points[:, 0] - EMPTY_SPOT[0], points[:, 1] - EMPTY_SPOT[1]) > 0.01]
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(code=f"C{i}", title="t", category="c", source="hotline", status=STATUSES[i % len(STATUSES)],
                 location=Point(x, y, srid=4326), reported_at=now)
        for i, (x, y) in enumerate(points))
    Incident.objects.assign_grids()
    return len(points)


def bins_snapshot() -> list[tuple]:
    rows = IncidentBin.objects.order_by("grid_id", "status", "cell_x", "cell_y").values_list(
        "grid_id", "status", "cell_x", "cell_y", "count", "sum_x", "sum_y")
    return [(*key, count, round(sx, 3), round(sy, 3)) for *key, count, sx, sy in rows]


def assert_bins_match_a_rebuild() -> None:
    kept = bins_snapshot()
    IncidentBin.objects.refresh()
    assert kept == bins_snapshot()


def covering_tiles(z: int) -> list[tuple[int, int, int]]:
    _, x0, y0 = tile_for(COUNTY[0], COUNTY[3], z)
    _, x1, y1 = tile_for(COUNTY[2], COUNTY[1], z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def cluster_features(client, z: int, x: int, y: int) -> list[dict]:
    response = client.get(url("incidents", z, x, y))
    if response.status_code == 204:
        return []
    assert response.status_code == 200
    return mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})["incidents"]["features"]


def zoom_totals(client, z: int) -> dict[str, int]:
    totals = dict.fromkeys(["count", "open", *STATUSES], 0)
    for tile in covering_tiles(z):
        for feature in cluster_features(client, *tile):
            for key in totals:
                totals[key] += feature["properties"][key]
    return totals


def expected_totals(queryset) -> dict[str, int]:
    by_status = dict(queryset.values_list("status").annotate(n=Count("id")))
    return {"count": queryset.count(), "open": queryset.open().count(),
            **{status: by_status.get(status, 0) for status in STATUSES}}


def test_bins_after_bulk_insert_and_update_match_a_rebuild(incidents) -> None:
    assert sum(IncidentBin.objects.values_list("count", flat=True)) == incidents
    assert IncidentBin.objects.filter(grid__isnull=True).exists()  # some lie outside every grid
    assert not IncidentBin.objects.filter(count__lte=0).exists()
    assert_bins_match_a_rebuild()


@pytest.mark.parametrize("username", ["admin", "town1", "worker11", "county"])
def test_cluster_counts_over_a_zoom_sum_to_what_the_user_may_see(district, incidents, username) -> None:
    client = district.client(username)
    expected = expected_totals(Incident.objects.for_user(district.users[username]))
    assert expected["count"] > 0
    for z in CLUSTER_ZOOMS:
        assert zoom_totals(client, z) == expected, z
    if username == "admin":
        assert expected["count"] == incidents  # incidents without a grid too


def test_cluster_features_carry_the_declared_fields_and_one_per_cell(district, incidents) -> None:
    features = cluster_features(district.client("admin"), *tile_for(114.1, 30.1, 10))
    assert features
    fields = REGISTRY["incidents"].kind_at(10).fields
    for feature in features:
        assert set(feature["properties"]) == set(fields)
        assert feature["geometry"]["type"] == "Point"
        p = feature["properties"]
        assert p["count"] == sum(p[s] for s in STATUSES) and p["open"] == sum(p[s] for s in OPEN_STATUSES)
    assert len({f["id"] for f in features}) == len(features)
    for feature in features:  # id = column * 16 + row of the cell (16 x 16 cells of 256 units) holding the point
        column, row = divmod(feature["id"], 16)
        x, y = feature["geometry"]["coordinates"]
        assert column * 256 - 1 <= x <= column * 256 + 257 and row * 256 - 1 <= y <= row * 256 + 257


def mercator(lon: float, lat: float) -> tuple[float, float]:
    r = 6378137.0
    return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def test_a_cluster_sits_at_the_mean_position(district) -> None:
    lon, lat = EMPTY_SPOT
    for dx in (0.0, 0.0008):
        Incident.objects.create(code=f"M{dx}", title="t", category="c", source="web", location=Point(
            lon + dx, lat, srid=4326), grid=None, reported_at=timezone.now())
    z, x, y = tile_for(lon, lat, 13)
    (feature,) = cluster_features(district.client("admin"), z, x, y)
    assert feature["properties"]["count"] == 2
    mx, my = (np.array(mercator(lon, lat)) + np.array(mercator(lon + 0.0008, lat))) / 2
    size = WORLD / 2**z
    expected = ((mx + WORLD / 2 - x * size) / size * 4096, (WORLD / 2 - my - y * size) / size * 4096)
    assert feature["geometry"]["coordinates"] == pytest.approx(expected, abs=1)


def test_insert_update_delete_show_in_cluster_tiles_and_change_the_etag(district, incidents) -> None:
    client = district.client("town1")
    lon, lat = 114.0705, 30.1005  # in grid 11 (town 1)
    z, x, y = tile_for(lon, lat, 11)
    path = url("incidents", z, x, y)

    def tile_counts() -> tuple[int, int, int]:
        features = cluster_features(client, z, x, y)
        return tuple(sum(f["properties"][k] for f in features) for k in ("count", "open", "resolved"))

    count, open_, resolved = tile_counts()
    etag = client.get(path)["ETag"]
    incident = Incident.objects.create(code="NEW", title="t", category="c", source="web", status="reported",
                                       location=Point(lon, lat, srid=4326), grid=district.grid11,
                                       reported_at=timezone.now())
    assert tile_counts() == (count + 1, open_ + 1, resolved)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200
    etag = client.get(path)["ETag"]
    Incident.objects.filter(pk=incident.pk).update(status="resolved")
    assert tile_counts() == (count + 1, open_, resolved + 1)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200
    Incident.objects.filter(pk=incident.pk).update(location=Point(114.30, 30.10, srid=4326))  # out of the tile
    assert tile_counts() == (count, open_, resolved)
    Incident.objects.filter(pk=incident.pk).update(location=Point(lon, lat, srid=4326))
    assert tile_counts() == (count + 1, open_, resolved + 1)
    etag = client.get(path)["ETag"]
    incident.delete()
    assert tile_counts() == (count, open_, resolved)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert_bins_match_a_rebuild()


def test_moving_incidents_between_grids_and_bulk_edits_keep_bins_exact(district, incidents) -> None:
    Incident.objects.filter(grid=district.grid11).update(grid=district.grid12)  # scoping changes with it
    Incident.objects.filter(status="archived").update(status="resolved")
    Incident.objects.filter(code__endswith="7").delete()
    Incident.objects.filter(code__endswith="3").update(title="only the title")  # no net change
    assert not IncidentBin.objects.filter(grid=district.grid11).exists()
    assert not IncidentBin.objects.filter(status="archived").exists()
    assert_bins_match_a_rebuild()
    client = district.client("worker11")  # grid 11 is now empty
    assert all(not cluster_features(client, *tile) for tile in covering_tiles(10))


def test_copy_and_truncate_maintain_the_bins(district, incidents) -> None:
    """COPY (as seed_demo loads) fires the statement trigger once for all rows; TRUNCATE empties the bins."""
    rng = np.random.default_rng(5)
    points = rng.uniform((114.25, 30.05), (114.35, 30.15), size=(2000, 2))
    rows = [(f"P{i}", "t", "", "c", "iot", STATUSES[i % 9], f"SRID=4326;POINT({x} {y})", district.grid21.pk,
             "2025-01-01 00:00:00+00") for i, (x, y) in enumerate(points)]
    columns = "code, title, description, category, source, status, location, grid_id, reported_at"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY layers_incident ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    assert sum(IncidentBin.objects.values_list("count", flat=True)) == incidents + 2000
    assert_bins_match_a_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred FK checks
        cursor.execute("TRUNCATE layers_incident CASCADE")
    assert not IncidentBin.objects.exists()
    assert district.client("admin").get(url("incidents", *tile_for(114.3, 30.1, 10))).status_code == 204


def test_refresh_rebuilds_lost_bins(incidents) -> None:
    kept = bins_snapshot()
    IncidentBin.objects.all().delete()
    assert IncidentBin.objects.refresh() == len(kept)
    assert bins_snapshot() == kept


def test_tilejson_describes_clusters_and_points(district) -> None:
    body = district.client("admin").get("/tiles/incidents.json").json()
    assert (body["minzoom"], body["maxzoom"]) == (8, 22)
    kinds = {k["kind"]: k for k in body["feature_kinds"]}
    assert (kinds["cluster"]["minzoom"], kinds["cluster"]["maxzoom"]) == (8, 13)
    assert (kinds["point"]["minzoom"], kinds["point"]["maxzoom"]) == (14, 22)
    assert set(kinds["cluster"]["fields"]) == {"count", "open", *STATUSES}
    assert set(kinds["point"]["fields"]) == {"code", "status", "category", "age_days"}
    (layer,) = body["vector_layers"]
    assert set(layer["fields"]) == set(kinds["cluster"]["fields"]) | set(kinds["point"]["fields"])


def test_deleting_a_grid_moves_its_counts_to_no_grid(district, incidents) -> None:
    in_grid12 = Incident.objects.filter(grid=district.grid12).count()
    without_grid = Incident.objects.filter(grid__isnull=True).count()
    assert in_grid12 > 0
    grid12_id = district.grid12.pk
    district.grid12.delete()  # Django sets the incidents' grid to NULL: one UPDATE, one trigger run
    assert not IncidentBin.objects.filter(grid_id=grid12_id).exists()
    assert sum(IncidentBin.objects.filter(grid__isnull=True).values_list("count", flat=True)) == \
        without_grid + in_grid12
    assert_bins_match_a_rebuild()
