"""The imports suite's correctness gate: same codes, same attributes, same footprints, table against table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from psycopg import sql

COMPARE_SQL = (Path(__file__).resolve().parents[1] / "sql" / "imports_compare_buildings.sql").read_text(
    encoding="utf-8")


@dataclass(frozen=True)
class Comparison:
    ours: int
    reference: int
    missing: int  # codes only in the reference
    extra: int  # codes only in ours
    attributes_differ: int
    geometry_differs: int  # not ST_Equals
    ordering_differs: int  # not ST_OrderingEquals (same shape, vertices in another order or orientation)
    beyond_tolerance: int = 0  # further apart than the tolerance compared with (0 when compared exactly)
    tolerance: float = 0.0  # degrees; 0: geometries must be ST_Equals

    @property
    def ok(self) -> bool:
        """Counts equal, every code in both, attributes equal, geometries ST_Equals (or within the tolerance)."""
        same_shapes = not self.beyond_tolerance if self.tolerance else not self.geometry_differs
        return (self.ours == self.reference and not self.missing and not self.extra
                and not self.attributes_differ and same_shapes)

    def describe(self) -> str:
        if self.ok and self.tolerance and self.geometry_differs:
            return (f"{self.ours:,} = {self.reference:,} rows, attributes equal, geometries within "
                    f"{self.tolerance:g}° ({self.geometry_differs:,} not exactly equal)")
        if self.ok:
            exact = "vertex for vertex" if not self.ordering_differs else \
                f"as shapes ({self.ordering_differs:,} with vertices re-ordered)"
            return f"{self.ours:,} = {self.reference:,} rows, attributes equal, geometries equal {exact}"
        return (f"ours {self.ours:,} vs {self.reference:,}: {self.missing:,} missing, {self.extra:,} extra, "
                f"{self.attributes_differ:,} attributes differ, "
                f"{self.beyond_tolerance if self.tolerance else self.geometry_differs:,} geometries differ")


def compare(ours: str, reference: str, tolerance: float = 0.0) -> Comparison:
    """Compare two tables of the current database holding the buildings kind's columns and a footprint;
    with a tolerance (degrees) footprints need only be that close, else ST_Equals."""
    statement = sql.SQL(COMPARE_SQL).format(ours=sql.Identifier(ours), reference=sql.Identifier(reference))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.cursor.connection), {"tolerance": tolerance})
        return Comparison(*cursor.fetchone(), tolerance=tolerance)


def snapshot(table: str, source: str = "layers_building", codes_from: str | None = None) -> None:
    """Copy the buildings kind's columns of ``source`` into ``table`` (only the codes of ``codes_from``)."""
    query = sql.SQL("CREATE TABLE {t} AS SELECT s.code, s.address, s.name, s.floors, s.height, s.use, s.year_built, "
                    "s.footprint FROM {s} s").format(t=sql.Identifier(table), s=sql.Identifier(source))
    if codes_from:
        query += sql.SQL(" WHERE s.code IN (SELECT code FROM {c})").format(c=sql.Identifier(codes_from))
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        cursor.execute(query.as_string(cursor.cursor.connection))
