"""Tile sources: what each layer is, and the registry table that maps a layer name to its source.

A source module declares one ``TileSource``: its name, zoom range, the properties (fields) its
features carry, the SQL file that builds the tile (``tiles/sql/<name>.sql``) and the tables whose
change counters make up its data version (hashed into the ETag; see layers/changes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


@dataclass(frozen=True)
class TileSource:
    name: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str]  # property name → TileJSON type description ("String", "Number", "Boolean")
    sql_file: str
    version_tables: tuple[str, ...]  # any write to one of these changes the layer's tiles
    description: str = ""
    daily: bool = False  # properties depend on today's date (e.g. age in days)

    @cached_property
    def sql(self) -> str:
        return (SQL_DIR / self.sql_file).read_text(encoding="utf-8")


def _registry() -> dict[str, TileSource]:
    from tiles.sources import buildings, divisions, grids, incidents, sensors

    return {m.SOURCE.name: m.SOURCE for m in (divisions, grids, buildings, incidents, sensors)}


REGISTRY: dict[str, TileSource] = _registry()
