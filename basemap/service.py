"""What the basemap views answer, from the configured basemap (settings.BASEMAP, see geo_governance.config)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rest_framework import status

from basemap import mbtiles
from geo_governance.config import Basemap
from geo_governance.errors import GeoGovError, NotFound
from tiles.service import TileCoord

# An XYZ server says nothing about its zoom range: MapLibre overzooms past this.
XYZ_MAXZOOM = 18


class BasemapUnavailable(GeoGovError):
    """The configured MBTiles file cannot be read (a set-up error, not the client's)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


@dataclass(frozen=True)
class Tile:
    data: bytes
    content_type: str
    etag: str


def mbtiles_path(basemap: Basemap) -> str:
    if basemap.kind != "mbtiles":
        raise NotFound("no MBTiles basemap is configured (GEOGOV_BASEMAP)")
    return basemap.location


def read_tile(basemap: Basemap, coord: TileCoord) -> Tile | None:
    """The tile from the MBTiles file with its content type and ETag, or None when the file lacks it."""
    path = mbtiles_path(basemap)
    try:
        data = mbtiles.read_tile(path, coord.z, coord.x, coord.y)
        if data is None:
            return None
        metadata = mbtiles.read_metadata(path)
    except mbtiles.MBTilesError as exc:
        raise BasemapUnavailable(str(exc)) from exc
    etag = '"bm-' + hashlib.sha1(data, usedforsecurity=False).hexdigest()[:20] + '"'
    return Tile(data, mbtiles.content_type(metadata), etag)


def _mbtiles_tilejson(basemap: Basemap, tiles_url: str) -> dict:
    try:
        return mbtiles.tilejson(mbtiles.read_metadata(basemap.location), tiles_url)
    except mbtiles.MBTilesError as exc:
        raise BasemapUnavailable(str(exc)) from exc


def _xyz_tilejson(basemap: Basemap, tiles_url: str) -> dict:
    return {"tilejson": "3.0.0", "name": "basemap", "scheme": "xyz", "tiles": [basemap.location],
            "minzoom": 0, "maxzoom": XYZ_MAXZOOM, "attribution": ""}


# basemap kind → its TileJSON; "none" has none (404).
TILEJSON_BUILDERS = {"mbtiles": _mbtiles_tilejson, "xyz": _xyz_tilejson}


def tilejson(basemap: Basemap, tiles_url: str) -> dict:
    """TileJSON of the configured basemap plus its kind and datum (wgs84 | gcj02 | bd09)."""
    builder = TILEJSON_BUILDERS.get(basemap.kind)
    if builder is None:
        raise NotFound("no basemap is configured (GEOGOV_BASEMAP=none)")
    body = builder(basemap, tiles_url)
    body["attribution"] = basemap.attribution or body["attribution"]
    return {**body, "kind": basemap.kind, "datum": basemap.datum}
