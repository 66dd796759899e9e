"""A fixed, deterministic sample of tiles per zoom: the tiles under seeded-random building centroids."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable

from django.contrib.gis.db.models.functions import Centroid
from django.db.models import QuerySet

from tiles.service import TileCoord

# Candidate buildings drawn per requested tile; low zooms need many to find distinct tiles.
CANDIDATES_PER_TILE = 40


def tile_of(lon: float, lat: float, z: int) -> TileCoord:
    """The XYZ (slippy map) tile holding a lon/lat point at zoom z."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return TileCoord(z, min(max(x, 0), n - 1), min(max(y, 0), n - 1))


def lonlat_at(x: float, y: float, z: int) -> tuple[float, float]:
    """Lon/lat of a point given in (fractional) tile coordinates at zoom z."""
    n = 2**z
    return x / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def tile_bounds(tile: TileCoord, margin: float = 0.0) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in lon/lat, widened by ``margin`` (a share of the tile)."""
    west, north = lonlat_at(tile.x - margin, tile.y - margin, tile.z)
    east, south = lonlat_at(tile.x + 1 + margin, tile.y + 1 + margin, tile.z)
    return west, south, east, north


def shuffled_centroids(buildings: QuerySet, count: int, seed: int) -> list[tuple[float, float]]:
    """Centroids (lon, lat) of ``count`` buildings drawn with a seeded shuffle of their ids."""
    ids = list(buildings.order_by("pk").values_list("pk", flat=True))
    random.Random(seed).shuffle(ids)
    chosen = ids[:count]
    points = dict(buildings.filter(pk__in=chosen).annotate(c=Centroid("footprint")).values_list("pk", "c"))
    return [(points[pk].x, points[pk].y) for pk in chosen if pk in points]


def sample_tiles(buildings: QuerySet, zooms: Iterable[int], per_zoom: int, seed: int) -> dict[int, list[TileCoord]]:
    """Up to ``per_zoom`` distinct tiles per zoom, under building centroids in seeded-random order."""
    centroids = shuffled_centroids(buildings, per_zoom * CANDIDATES_PER_TILE, seed)
    sample: dict[int, list[TileCoord]] = {}
    for z in zooms:
        tiles: list[TileCoord] = []
        for lon, lat in centroids:
            tile = tile_of(lon, lat, z)
            if tile not in tiles:
                tiles.append(tile)
            if len(tiles) == per_zoom:
                break
        sample[z] = tiles
    return sample


def seeded_buildings(buildings: QuerySet, count: int, seed: int) -> list[tuple[float, float]]:
    """Centroids of ``count`` seeded-random buildings (view centres for the GeoJSON comparison)."""
    return shuffled_centroids(buildings, count, seed + 1)
