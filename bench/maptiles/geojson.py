"""(c) A z14 map view as MVT buildings tiles vs the same view from the GeoJSON API (all pages)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.test import Client

from bench.gates import compare_ids, feature_codes
from bench.maptiles.calls import body, tile_url
from bench.maptiles.context import TilesBench
from bench.report import Goal, Row, Stats, median
from bench.sampling import seeded_buildings, tile_bounds
from bench.timing import timed
from layers.models import Building
from tiles.service import TileCoord

ZOOM = 14
VIEWPORT = (1280, 800)  # CSS pixels of the command-centre map
TILE_PX = 512  # MapLibre draws vector tiles 512 px wide: at map zoom 14 it loads z14 tiles
BUFFER = 64 / 4096  # the tile SQL's buffer, as a share of a tile
SPEED_GOAL = Goal(">=", 30)
PAYLOAD_GOAL = Goal("<=", 0.15)


@dataclass(frozen=True)
class View:
    tiles: list[TileCoord]
    bbox: tuple[float, float, float, float]  # the tiles' area plus their buffer, lon/lat


def view_around(lon: float, lat: float) -> View:
    """The z14 tiles a 1280×800 viewport centred on (lon, lat) loads, and the area they cover."""
    world = TILE_PX * 2**ZOOM
    cx = (lon + 180) / 360 * world
    cy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * world
    half_w, half_h = VIEWPORT[0] / 2, VIEWPORT[1] / 2
    xs = range(int((cx - half_w) // TILE_PX), int((cx + half_w) // TILE_PX) + 1)
    ys = range(int((cy - half_h) // TILE_PX), int((cy + half_h) // TILE_PX) + 1)
    tiles = [TileCoord(ZOOM, x, y) for y in ys for x in xs]
    west, _, _, north = tile_bounds(tiles[0], BUFFER)
    _, south, east, _ = tile_bounds(tiles[-1], BUFFER)
    return View(tiles, (west, south, east, north))


def fetch_tiles(client: Client, view: View) -> list[bytes]:
    return [body(client.get(tile_url("buildings", t))) for t in view.tiles]


def fetch_geojson(client: Client, view: View) -> list[bytes]:
    """Every page of /api/buildings/?in_bbox=… for the view, following ``next``."""
    pages, url = [], "/api/buildings/?in_bbox=" + ",".join(f"{v:.9f}" for v in view.bbox)
    while url:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GeoJSON request failed: HTTP {response.status_code}")
        pages.append(response.content)
        url = json.loads(response.content).get("next")
    return pages


def geojson_codes(pages: list[bytes]) -> set[str]:
    """Building codes of every feature of every page (the API's features carry no id, the code is the key)."""
    return {f["properties"]["code"] for page in pages for f in json.loads(page)["features"]}


def mvt_codes(tiles: list[bytes]) -> set[str]:
    return set().union(*(feature_codes(t) for t in tiles))


def run(bench: TilesBench) -> list[Row]:
    client = bench.admin.client
    centres = seeded_buildings(Building.objects.all(), max(1, bench.samples // 5), bench.seed)
    mvt_ms, api_ms, mvt_bytes, api_bytes, gates, notes = [], [], [], [], [], []
    for lon, lat in centres:
        view = view_around(lon, lat)
        mvt = timed(lambda view=view: fetch_tiles(client, view), bench.repeats)
        api = timed(lambda view=view: fetch_geojson(client, view), bench.repeats)
        comparison = compare_ids(mvt_codes(mvt.result), geojson_codes(api.result))
        mvt_ms.append(mvt.ms)
        api_ms.append(api.ms)
        mvt_bytes.append(sum(map(len, mvt.result)))
        api_bytes.append(sum(map(len, api.result)))
        gates.append(comparison.ok)
        notes.append(f"{len(view.tiles)} tiles/{len(api.result)} pages, {comparison.describe()}")
    label, gate = "buildings 1280x800 view", all(gates)
    return [
        Row("c GeoJSON/MVT time", label, f"z{ZOOM}", Stats.of(mvt_ms), Stats.of(api_ms),
            median(a / m for a, m in zip(api_ms, mvt_ms, strict=True)), SPEED_GOAL, gate,
            bytes_p50=Stats.of(mvt_bytes).p50, bytes_max=max(mvt_bytes), note="; ".join(notes)),
        Row("c MVT/GeoJSON bytes", label, f"z{ZOOM}",
            value=median(m / a for m, a in zip(mvt_bytes, api_bytes, strict=True)), goal=PAYLOAD_GOAL,
            gate_ok=gate, bytes_p50=Stats.of(mvt_bytes).p50, bytes_max=max(mvt_bytes),
            note=f"GeoJSON p50 {Stats.of(api_bytes).p50 / 1024:.1f}K, max {max(api_bytes) / 1024:.1f}K"),
    ]
