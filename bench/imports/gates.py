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

    @property
    def ok(self) -> bool:
        """Counts equal, every code in both, attributes and geometries (as point sets) equal."""
        return (self.ours == self.reference and not self.missing and not self.extra
                and not self.attributes_differ and not self.geometry_differs)

    def describe(self) -> str:
        if self.ok:
            exact = "vertex for vertex" if not self.ordering_differs else \
                f"as shapes ({self.ordering_differs:,} with vertices re-ordered)"
            return f"{self.ours:,} = {self.reference:,} rows, attributes equal, geometries equal {exact}"
        return (f"ours {self.ours:,} vs {self.reference:,}: {self.missing:,} missing, {self.extra:,} extra, "
                f"{self.attributes_differ:,} attributes differ, {self.geometry_differs:,} geometries differ")


def compare(ours: str, reference: str) -> Comparison:
    """Compare two tables of the current database holding the buildings kind's columns and a footprint."""
    statement = sql.SQL(COMPARE_SQL).format(ours=sql.Identifier(ours), reference=sql.Identifier(reference))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.cursor.connection))
        return Comparison(*cursor.fetchone())


def snapshot(table: str, source: str = "layers_building", codes_from: str | None = None) -> None:
    """Copy the buildings kind's columns of ``source`` into ``table`` (only the codes of ``codes_from``)."""
    query = sql.SQL("CREATE TABLE {t} AS SELECT s.code, s.address, s.name, s.floors, s.height, s.use, s.year_built, "
                    "s.footprint FROM {s} s").format(t=sql.Identifier(table), s=sql.Identifier(source))
    if codes_from:
        query += sql.SQL(" WHERE s.code IN (SELECT code FROM {c})").format(c=sql.Identifier(codes_from))
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        cursor.execute(query.as_string(cursor.cursor.connection))
