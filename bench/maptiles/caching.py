"""(d) A cached tile (If-None-Match → 304) vs a cold render; an edit must change the ETag."""

from __future__ import annotations

from django.db.models import F
from django.test import Client

from bench.gates import feature_ids
from bench.maptiles.calls import body, tile_url
from bench.maptiles.context import SAMPLE_ZOOMS, TilesBench
from bench.report import Goal, Row, Stats, median
from bench.timing import timed
from layers.models import Building
from tiles.service import TileCoord
from tiles.sources import REGISTRY

# The goal compares a 304 with a real render; for tiles that render in a few ms both are dominated by
# the fixed cost of a request (session, user, area, data version), so, as in (a), small tiles get an
# absolute goal for the 304 instead of a ratio.
LARGE_MS = 5.0
RATIO_GOAL = Goal("<=", 0.1)
SMALL_GOAL = Goal("<=", 1.5, "ms")
EDIT_ZOOM = 14


def edit_invalidates(client: Client, coord: TileCoord) -> tuple[bool | None, str]:
    """Touch one building of the tile in place (floors = floors) and check the old ETag no longer matches."""
    url = tile_url("buildings", coord)
    first = client.get(url)
    ids = sorted(feature_ids(body(first)))
    if not ids:
        return None, "no building in the tile to edit"
    Building.objects.filter(pk=ids[0]).update(floors=F("floors"))
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    ok = after.status_code in (200, 204) and after["ETag"] != first["ETag"]
    return ok, f"edit of building {ids[0]}: HTTP {after.status_code}, ETag {'changed' if ok else 'UNCHANGED'}"


def measure(client: Client, layer: str, coord: TileCoord, repeats: int) -> tuple[float, float, int]:
    """(cold ms, cached ms, status of the conditional request) for one tile."""
    url = tile_url(layer, coord)
    etag = client.get(url)["ETag"]
    cold = timed(lambda: client.get(url), repeats)
    cached = timed(lambda: client.get(url, HTTP_IF_NONE_MATCH=etag), repeats)
    return cold.ms, cached.ms, cached.result.status_code


def run(bench: TilesBench) -> list[Row]:
    client = bench.admin.client
    rows = []
    for source in REGISTRY.values():
        pairs: list[tuple[float, float, int]] = []
        for z in SAMPLE_ZOOMS:
            if source.minzoom <= z <= source.maxzoom:
                pairs += [measure(client, source.name, coord, bench.repeats) for coord in bench.admin.sample.get(z, [])]
        if not pairs:
            continue
        statuses = [status for _, _, status in pairs]
        gate, note = all(s == 304 for s in statuses), f"304 for {statuses.count(304)}/{len(statuses)}"
        if source.name == "buildings" and bench.admin.sample.get(EDIT_ZOOM):
            edited, edit_note = edit_invalidates(client, bench.admin.sample[EDIT_ZOOM][0])
            gate, note = gate and edited is not False, f"{note}; {edit_note}"
        large = [(cold, cached) for cold, cached, _ in pairs if cold >= LARGE_MS]
        small = [(cold, cached) for cold, cached, _ in pairs if cold < LARGE_MS]
        zooms = f"z{max(SAMPLE_ZOOMS[0], source.minzoom)}-{min(SAMPLE_ZOOMS[-1], source.maxzoom)}"
        for name, group, goal, value in (
            ("d cached/cold >=5ms", large, RATIO_GOAL, lambda g: median(c / r for r, c in g)),
            ("d cached <5ms", small, SMALL_GOAL, lambda g: median(c for _, c in g)),
        ):
            if group:
                rows.append(Row(name, source.name, zooms, Stats.of([c for _, c in group]),
                                Stats.of([r for r, _ in group]), value(group), goal, gate, note=note))
    return rows
