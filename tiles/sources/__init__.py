"""Tile sources: what each layer is, and the registry table that maps a layer name to its source.

A source module declares one ``TileSource``: its name, the tables whose change counters make up its
data version (hashed into the ETag; see layers/changes.py), and one or more ``FeatureKind``s. A
feature kind is what the layer serves over a zoom range: the properties (fields) its features carry
and the SQL file that builds the tile (``tiles/sql/*.sql``). Most layers have one kind; incidents
have two (aggregated clusters below z14, raw points from z14), both in the one MVT layer.

A source may also carry ``extra_layers``: further MVT layers its SQL writes into the same tile over
the source's zoom range, e.g. ``grids_label``, one label point per grid (in the one tile holding
the point, so a label is drawn once however many tiles hold pieces of the polygon).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


@dataclass(frozen=True)
class FeatureKind:
    name: str  # e.g. "feature", "cluster", "point"
    minzoom: int
    maxzoom: int
    fields: dict[str, str]  # property name → TileJSON type description ("String", "Number", "Boolean")
    sql_file: str
    description: str = ""
    # Extra values bound to the SQL besides z, x, y, prefix, simplify, min_area.
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @cached_property
    def sql(self) -> str:
        return (SQL_DIR / self.sql_file).read_text(encoding="utf-8")

    def covers(self, z: int) -> bool:
        return self.minzoom <= z <= self.maxzoom


@dataclass(frozen=True)
class ExtraLayer:
    """Another MVT layer in the source's tiles (TileJSON vector_layers entry), over the source's zooms."""

    name: str  # the MVT layer name, e.g. "grids_label"
    fields: dict[str, str]
    description: str = ""
    minzoom: int | None = None  # None: from the source's minzoom (the SQL spells the same zoom out)


@dataclass(frozen=True)
class TileSource:
    name: str
    kinds: tuple[FeatureKind, ...]  # by zoom, not overlapping
    version_tables: tuple[str, ...]  # any write to one of these changes the layer's tiles
    description: str = ""
    daily: bool = False  # properties depend on today's date (e.g. age in days)
    extra_layers: tuple[ExtraLayer, ...] = ()  # written by the same SQL, after the source's own layer

    @property
    def minzoom(self) -> int:
        return min(kind.minzoom for kind in self.kinds)

    @property
    def maxzoom(self) -> int:
        return max(kind.maxzoom for kind in self.kinds)

    @property
    def fields(self) -> dict[str, str]:
        """Every property any kind of feature carries (TileJSON vector_layers fields)."""
        return {name: kind_type for kind in self.kinds for name, kind_type in kind.fields.items()}

    def kind_at(self, z: int) -> FeatureKind | None:
        """The kind of feature served at zoom z; None outside the layer's zoom range."""
        return next((kind for kind in self.kinds if kind.covers(z)), None)


def single_kind(name: str, minzoom: int, maxzoom: int, fields: dict[str, str], description: str,
                version_tables: tuple[str, ...], daily: bool = False,
                extra_layers: tuple[ExtraLayer, ...] = ()) -> TileSource:
    """A source with one kind of feature over its whole zoom range, built by tiles/sql/<name>.sql."""
    kind = FeatureKind("feature", minzoom, maxzoom, fields, f"{name}.sql", description)
    return TileSource(name, (kind,), version_tables, description, daily, extra_layers)


def _registry() -> dict[str, TileSource]:
    from tiles.sources import buildings, divisions, grids, incidents, sensors

    return {m.SOURCE.name: m.SOURCE for m in (divisions, grids, buildings, incidents, sensors)}


REGISTRY: dict[str, TileSource] = _registry()
