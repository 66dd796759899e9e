"""The benchmark harness (bench/): the tiles suite runs on the tiny district, and its gates catch mismatches.

No timing is asserted anywhere: figures are for `make bench` on the city profile.
"""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from bench import gates
from bench.maptiles import MEASUREMENTS, caching, context, geojson, stored
from bench.maptiles import run as run_tiles
from bench.maptiles.calls import fetch_recording, reference_call, reference_sql, run_raw
from bench.report import Goal, Row, Stats, format_table, summary
from bench.sampling import tile_of
from bench.suites import SUITES, SuiteOptions
from layers.models import Incident
from tiles.sources import REGISTRY

B1 = (114.0705, 30.1005)  # fixture building b1 (town 1)
B3 = (114.3005, 30.1005)  # fixture building b3 (town 2)
TINY = SuiteOptions(samples=1, repeats=1)


@pytest.fixture
def incidents(district) -> list[Incident]:
    """Three incidents so that the incidents layer (points and low-zoom aggregates) has something to count."""
    now = timezone.now()
    return [Incident.objects.create(code=f"E{i}", title="t", category="c", source="web", status=status,
                                    location=Point(lon, lat, srid=4326), grid=grid, reported_at=now)
            for i, (lon, lat, grid, status) in enumerate([
                (*B1, district.grid11, "reported"), (114.0702, 30.1002, district.grid11, "resolved"),
                (*B3, district.grid21, "accepted")])]


@pytest.fixture
def admin_client(district) -> Client:
    with context.bench_settings():
        yield context.logged_in(district.users["admin"])


def test_tiles_suite_on_the_district_gives_every_measurement_with_gates_ok(district, incidents) -> None:
    rows = run_tiles(TINY)
    keys = {row.measurement.split()[0] for row in rows}
    assert {key for key, _, _ in MEASUREMENTS} <= keys
    layers_measured = {row.layer.split()[0] for row in rows if row.measurement.startswith("a ")}
    assert layers_measured == set(REGISTRY)
    assert {row.layer for row in rows if row.measurement.startswith("a ")} >= {"buildings [superuser]",
                                                                                "buildings [town]"}
    for row in rows:
        assert row.gate_ok is not False, row  # the district is consistent: every gate holds
        if row.goal is not None and row.value is not None:
            assert row.passed in (True, False)
        if row.ours is not None:
            assert row.ours.p50 <= row.ours.p95
    # the low-zoom incident tiles are aggregated and their counts add up (gate ok, not n/a)
    assert any(r.measurement == "e aggregated/points" and r.gate_ok is True for r in rows)
    # the edit really changed the ETag of the buildings tile
    edit = next(r for r in rows if r.measurement.startswith("d cached") and r.layer == "buildings")
    assert "ETag changed" in edit.note


def test_bench_command_prints_the_table_and_writes_json(district, tmp_path) -> None:
    out = tmp_path / "tiles.json"
    stdout = io.StringIO()
    call_command("bench", suite="tiles", samples=1, repeats=1, only="b,f", json_path=str(out), stdout=stdout,
                 stderr=io.StringIO())
    text = stdout.getvalue()
    assert "measurement" in text and "ref p50" in text and "b stored/on-read SQL" in text
    assert "PostGIS" in text and "CPUs" in text
    payload = json.loads(out.read_text())
    assert payload["suite"] == "tiles" and payload["options"]["only"] == ["b", "f"]
    assert payload["environment"]["rows"]["buildings"] == 3
    assert {r["measurement"].split()[0] for r in payload["rows"]} == {"b", "f"}
    assert set(payload["rows"][0]) >= {"measurement", "layer", "zoom", "ours", "reference", "value", "goal",
                                       "passed", "gate_ok", "bytes_p50", "bytes_max"}
    assert payload["summary"]["rows"] == len(payload["rows"])


def test_every_layer_has_a_reference_sql_taking_the_tile_parameters(district, admin_client) -> None:
    coord = tile_of(*B1, 15)
    for name in REGISTRY:
        assert reference_sql(f"{name}_transform_on_read") is not None, name
    # the buildings reference SQL gives the endpoint's bytes for the same tile
    data, calls = fetch_recording(admin_client, "buildings", coord)
    assert calls and data == run_raw(calls)
    assert stored.tile_gate(data, run_raw([reference_call("buildings_transform_on_read", coord, "")])) is True


def test_tile_gate_detects_a_wrong_tile(district, incidents, admin_client) -> None:
    b1_tile, _ = fetch_recording(admin_client, "buildings", tile_of(*B1, 15))
    b3_tile, _ = fetch_recording(admin_client, "buildings", tile_of(*B3, 15))
    assert b1_tile and b3_tile
    assert stored.tile_gate(b1_tile, b3_tile) is False
    assert gates.same_bytes(b1_tile, b1_tile[:-1]) is False
    # an aggregated tile against raw points is "not comparable", not a pass
    low = tile_of(*B1, 10)
    clusters, _ = fetch_recording(admin_client, "incidents", low)
    points = run_raw([reference_call("incidents_points", low, "")])
    assert gates.aggregated_total(clusters) == 2 and gates.aggregated_total(points) is None
    assert stored.tile_gate(clusters, points) is None


def test_id_gate_detects_different_buildings(district, admin_client) -> None:
    view = geojson.view_around(*B1)
    tiles = geojson.fetch_tiles(admin_client, view)
    pages = geojson.fetch_geojson(admin_client, view)
    assert gates.compare_ids(geojson.mvt_codes(tiles), geojson.geojson_codes(pages)).ok
    elsewhere = geojson.fetch_geojson(admin_client, geojson.view_around(*B3))
    wrong = gates.compare_ids(geojson.mvt_codes(tiles), geojson.geojson_codes(elsewhere))
    assert not wrong.ok and wrong.missing == {"B3"} and "B1" in wrong.extra
    assert "missing" in wrong.describe()


def test_count_and_query_gates_detect_mismatches() -> None:
    assert gates.counts_add_up(5, (5, 6)) and gates.counts_add_up(6, (5, 6))
    assert not gates.counts_add_up(4, (5, 6))
    assert gates.fixed_query_count([8, 8, 8], [6])
    assert not gates.fixed_query_count([8, 9], [])
    assert not gates.fixed_query_count([8], [9])


def test_edit_gate_sees_the_etag_change(district, admin_client) -> None:
    ok, note = caching.edit_invalidates(admin_client, tile_of(*B1, 15))
    assert ok is True and "changed" in note


def test_table_and_summary_show_failures() -> None:
    rows = [
        Row("a endpoint/raw >=5ms", "buildings [superuser]", "z14", Stats.of([6.0, 7.0]), Stats.of([5.0, 5.5]),
            1.3, Goal("<=", 1.2), gate_ok=True),
        Row("b stored/on-read SQL", "grids", "z12", Stats.of([1.0]), Stats.of([2.0]), 0.5, Goal("<=", 0.8),
            gate_ok=False),
        Row("e aggregated/points", "incidents", "z8", goal=Goal("<=", 0.05), note="n/a: layer not served at z8"),
    ]
    table = format_table(rows).splitlines()
    assert table[0].split()[:3] == ["measurement", "layer", "z"]
    assert "FAIL" in table[2] and " ok " in table[2]  # goal missed, gate held
    assert "pass" in table[3] and "FAIL" in table[3]  # goal met, gate failed
    assert "n/a" in table[4]
    assert summary(rows) == {"rows": 3, "goals_met": 1, "goals_failed": 1, "goals_not_applicable": 1,
                             "gates_ok": 1, "gates_failed": 1}
    assert rows[0].as_dict()["goal"] == "≤ 1.2×" and rows[0].as_dict()["passed"] is False


def test_suite_registry_names_runnable_suites() -> None:
    assert "tiles" in SUITES
    for suite in SUITES.values():
        assert callable(suite.runner())
