"""Building tiles and TileJSON, and the cache validators (ETag) for them.

Data version
------------
A tile's ETag hashes (layer, z, x, y, the user's area prefix, the layer's data version). The data
version is the change counters of the tables the layer reads (``TileSource.version_tables``; kept
by statement-level triggers, see ``layers/sql/change_counters.sql``), plus today's date for layers
whose properties age (``daily``). Any write (insert, update in place, delete, COPY, raw SQL such
as ``refresh_figures``) to one of those tables changes the ETag; reading the version is one query
over sequences, whatever the table sizes. Grid codes decide scoping, so every layer scoped through
its grid also lists ``layers_grid``. Tables kept by triggers from a counted table (the incident bins
from layers_incident) need no counter of their own: the write that changes them bumps the source's.

Rendering
---------
The source's ``FeatureKind`` for the zoom picks the SQL file; it is run with z, x, y, the area
prefix, the generalisation for the zoom (simplify tolerance, smallest kept area) and the kind's own
parameters, all bound. The SQL reads the stored EPSG:3857 copies of the geometries
(``*_3857``, layers/models/mercator.py) and orders features by id, so equal data gives equal bytes.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from geo_governance.errors import BadInput, NotFound
from layers.changes import table_versions
from tiles.sources import REGISTRY, SQL_DIR, TileSource

MAX_ZOOM = 22
EXTENT = 4096
# Below this zoom polygons are simplified and sub-pixel ones dropped.
GENERALISE_BELOW = 14
WORLD_METRES = 2 * math.pi * 6378137  # width of the web-mercator world
WORLD_BOUNDS = [-180.0, -85.0511, 180.0, 85.0511]


@dataclass(frozen=True)
class TileCoord:
    z: int
    x: int
    y: int


def get_source(layer: str) -> TileSource:
    try:
        return REGISTRY[layer]
    except KeyError:
        raise NotFound(f"unknown tile layer {layer!r}; known: {', '.join(sorted(REGISTRY))}") from None


def parse_coord(z: str, x: str, y: str) -> TileCoord:
    """Integers with 0 <= z <= 22 and 0 <= x, y < 2**z, else BadInput (400)."""
    try:
        zi, xi, yi = (int(v) for v in (z, x, y))
    except ValueError:
        raise BadInput(f"tile coordinates must be integers, got {z}/{x}/{y}") from None
    if not 0 <= zi <= MAX_ZOOM:
        raise BadInput(f"zoom must be between 0 and {MAX_ZOOM}, got {zi}", field="z")
    limit = 2**zi
    for name, value in (("x", xi), ("y", yi)):
        if not 0 <= value < limit:
            raise BadInput(f"{name} must be between 0 and {limit - 1} at zoom {zi}, got {value}", field=name)
    return TileCoord(zi, xi, yi)


def generalisation(z: int) -> tuple[float, float]:
    """(simplify tolerance in metres, smallest kept area in m²): one pixel of a 256-px tile below z14."""
    if z >= GENERALISE_BELOW:
        return 0.0, 0.0
    pixel = WORLD_METRES / (256 * 2**z)
    return pixel, pixel * pixel


def render_tile(source: TileSource, coord: TileCoord, prefix: str | None) -> bytes:
    """The MVT bytes of one tile; b'' when empty, outside the zoom range or with no access (None)."""
    kind = source.kind_at(coord.z)
    if prefix is None or kind is None:
        return b""
    simplify, min_area = generalisation(coord.z)
    params = {"z": coord.z, "x": coord.x, "y": coord.y, "prefix": prefix,
              "simplify": simplify, "min_area": min_area, **kind.params}
    with connection.cursor() as cursor:
        cursor.execute(kind.sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def data_version(source: TileSource) -> str:
    version = repr(table_versions(*source.version_tables))
    return f"{version}@{timezone.localdate().isoformat()}" if source.daily else version


def tile_etag(source: TileSource, coord: TileCoord, prefix: str | None) -> str:
    """Quoted strong ETag; no query at all when the user sees nothing."""
    version = data_version(source) if prefix is not None else "-"
    key = "|".join((source.name, str(coord.z), str(coord.x), str(coord.y), repr(prefix), version))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def area_bounds(prefix: str | None) -> list[float]:
    if prefix is None:
        return WORLD_BOUNDS
    with connection.cursor() as cursor:
        cursor.execute((SQL_DIR / "bounds.sql").read_text(encoding="utf-8"), {"prefix": prefix})
        row = cursor.fetchone()
    return [float(v) for v in row] if row and row[0] is not None else WORLD_BOUNDS


def tilejson(source: TileSource, tiles_url: str, prefix: str | None) -> dict:
    """TileJSON 3.0.0 for one layer; ``tiles_url`` is the absolute {z}/{x}/{y} template.

    ``vector_layers`` lists the union of the fields, then the source's extra layers (label points);
    the extension ``feature_kinds`` says which fields each kind of feature carries over which zooms
    (incidents: clusters, then points).
    """
    return {
        "tilejson": "3.0.0",
        "name": source.name,
        "description": source.description,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": source.minzoom,
        "maxzoom": source.maxzoom,
        "bounds": area_bounds(prefix),
        "vector_layers": [{"id": source.name, "fields": source.fields, "minzoom": source.minzoom,
                           "maxzoom": source.maxzoom, "description": source.description},
                          *({"id": extra.name, "fields": dict(extra.fields),
                             "minzoom": source.minzoom if extra.minzoom is None else extra.minzoom,
                             "maxzoom": source.maxzoom, "description": extra.description}
                            for extra in source.extra_layers)],
        "feature_kinds": [{"kind": kind.name, "minzoom": kind.minzoom, "maxzoom": kind.maxzoom,
                           "fields": dict(kind.fields), "description": kind.description}
                          for kind in source.kinds],
    }
