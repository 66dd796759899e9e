"""A read-only reader of MBTiles files (SQLite, tiles in TMS row order) and their TileJSON."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

SQL_DIR = Path(__file__).resolve().parent / "sql"
TILE_SQL = (SQL_DIR / "tile.sql").read_text()
METADATA_SQL = (SQL_DIR / "metadata.sql").read_text()

# MBTiles `format` metadata → HTTP content type (raster formats; a basemap is imagery).
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}
DEFAULT_FORMAT = "png"


class MBTilesError(Exception):
    """The file is not a readable MBTiles database."""


@contextmanager
def connect(path: str) -> Iterator[sqlite3.Connection]:
    """A read-only connection (SQLite URI mode=ro: the file is never created or written)."""
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        raise MBTilesError(f"cannot open {path} read-only: {exc}") from exc
    with closing(connection):
        yield connection


def tms_row(z: int, y: int) -> int:
    """XYZ row (0 = north) → TMS row (0 = south), as MBTiles stores it."""
    return (1 << z) - 1 - y


def read_tile(path: str, z: int, x: int, y: int) -> bytes | None:
    """The stored bytes of XYZ tile z/x/y, or None when the file has no such tile."""
    with connect(path) as connection:
        try:
            row = connection.execute(TILE_SQL, (z, x, tms_row(z, y))).fetchone()
        except sqlite3.Error as exc:
            raise MBTilesError(f"{path} is not an MBTiles file: {exc}") from exc
    return bytes(row[0]) if row else None


def read_metadata(path: str) -> dict[str, str]:
    """The metadata table as a dict; cached until the file changes (it is read for every tile)."""
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError as exc:
        raise MBTilesError(f"cannot read {path}: {exc}") from exc
    return dict(_cached_metadata(path, stamp))


@lru_cache(maxsize=8)
def _cached_metadata(path: str, stamp: int) -> tuple[tuple[str, str], ...]:
    with connect(path) as connection:
        try:
            return tuple(connection.execute(METADATA_SQL).fetchall())
        except sqlite3.Error as exc:
            raise MBTilesError(f"{path} is not an MBTiles file: {exc}") from exc


def tile_format(metadata: dict[str, str]) -> str:
    return metadata.get("format", DEFAULT_FORMAT).strip().lower()


def content_type(metadata: dict[str, str]) -> str:
    return CONTENT_TYPES.get(tile_format(metadata), "application/octet-stream")


def _numbers(text: str | None) -> list[float] | None:
    try:
        return [float(v) for v in text.split(",")] if text else None
    except ValueError:
        return None


def tilejson(metadata: dict[str, str], tiles_url: str) -> dict:
    """TileJSON 3.0 from the MBTiles metadata; only keys the file gives (bounds, center …) are set."""
    body = {
        "tilejson": "3.0.0",
        "name": metadata.get("name", "basemap"),
        "description": metadata.get("description", ""),
        "version": metadata.get("version", "1.0.0"),
        "attribution": metadata.get("attribution", ""),
        "format": tile_format(metadata),
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": int(float(metadata.get("minzoom", 0))),
        "maxzoom": int(float(metadata.get("maxzoom", 22))),
    }
    bounds, center = _numbers(metadata.get("bounds")), _numbers(metadata.get("center"))
    if bounds and len(bounds) == 4:
        body["bounds"] = bounds
    if center and len(center) == 3:
        body["center"] = center
    return body
