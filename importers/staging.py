"""Staging: accepted rows go by COPY into a temporary table, then set-based SQL checks, writes and links them.

The staging table lives for one transaction (``ON COMMIT DROP``); its columns come from the kind
table (identifiers of ours, never of the file). Values travel through COPY, never through SQL text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import shapely
from psycopg import sql as pgsql

from importers import sql
from importers.kinds import Kind

STAGING = "import_rows"
COPY_CHUNK = 50_000


def create(cursor, kind: Kind) -> None:
    columns = [pgsql.SQL("{} {}").format(pgsql.Identifier(name), pgsql.SQL(sql_type))
               for name, sql_type in kind.staging_columns]
    # inside an outer transaction (tests, a caller's atomic block) ON COMMIT has not dropped the last one yet
    cursor.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(STAGING)))
    cursor.execute(pgsql.SQL("CREATE TEMP TABLE {} (row_no integer PRIMARY KEY, {}) ON COMMIT DROP").format(
        pgsql.Identifier(STAGING), pgsql.SQL(", ").join(columns)))


NULL = "\\N"
COPY_SPECIALS = ("\\", "\t", "\n", "\r")


def _escaped(texts: list[str]) -> list[str]:
    """COPY text-format escapes (backslash, tab, newline, carriage return), skipped for a column without any."""
    joined = "".join(texts)
    if not any(special in joined for special in COPY_SPECIALS):
        return texts
    return [t.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            for t in texts]


def _array_literal(items: list[str]) -> str:
    """A text[] literal, every element quoted (backslash and double quote escaped inside)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in items) + "}"


def _iso(values: list) -> list[str]:
    return [v.isoformat() for v in values]  # dates 2024-05-01, times 2024-05-01T08:30:00+08:00


# How each staging column type's non-null values become COPY text (ints and floats by str: repr precision)
COPY_TEXT = {
    "text": _escaped,
    "text[]": lambda values: _escaped([_array_literal(v) for v in values]),
    "integer": lambda values: list(map(str, values)),
    "double precision": lambda values: list(map(repr, map(float, values))),
    "date": _iso,
    "timestamptz": _iso,
    "geometry": lambda values: list(map(bytes.hex, values)),  # EWKB as hex (GEOS's own hex writer is 5× slower)
}


def copy_text(values: np.ndarray, sql_type: str) -> list[str]:
    """One column as COPY text cells: \\N for None, the rest formatted for its type."""
    cells = np.full(len(values), NULL, dtype=object)
    present = ~np.equal(values, None)
    if present.any():
        formatted = COPY_TEXT.get(sql_type, lambda vs: _escaped(list(map(str, vs))))(values[present].tolist())
        cells[present] = np.array(formatted, dtype=object)
    return cells.tolist()


def copy_rows(cursor, kind: Kind, row_numbers: np.ndarray, values: dict[str, np.ndarray],
              geoms: np.ndarray | None) -> int:
    """COPY the accepted rows, each chunk as one block of COPY text; geometries as hex EWKB (SRID 4326)."""
    n = len(row_numbers)
    names = ["row_no"] + [name for name, _ in kind.staging_columns]
    columns = [list(map(str, row_numbers.tolist()))]
    columns += [copy_text(values[fd.name], fd.sql_type) for fd in kind.fields]
    columns += [copy_text(np.full(n, value, dtype=object), "text") for _, value in kind.fixed]
    if kind.geometry:
        columns.append(copy_text(shapely.to_wkb(shapely.set_srid(geoms, 4326), include_srid=True), "geometry"))
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(STAGING), pgsql.SQL(", ").join(map(pgsql.Identifier, names)))
    with cursor.copy(statement) as copy:
        for start in range(0, n, COPY_CHUNK):
            rows = zip(*(column[start:start + COPY_CHUNK] for column in columns), strict=True)
            copy.write("\n".join(map("\t".join, rows)) + "\n")
    return n


def run_checks(cursor, kind: Kind, params: dict) -> list[tuple[int, str, str, str]]:
    """The kind's set-based checks (unknown references …): rows returned are removed from staging."""
    try:
        text = sql.load(f"{kind.sql}_checks")
    except FileNotFoundError:
        return []
    cursor.execute(text, params)
    problems = cursor.fetchall()
    if problems:
        cursor.execute(pgsql.SQL("DELETE FROM {} WHERE row_no = ANY(%(rows)s)").format(pgsql.Identifier(STAGING)),
                       {"rows": sorted({p[0] for p in problems})})
    return problems


def upsert(cursor, kind: Kind, params: dict) -> list[tuple[int, str, bool]]:
    """Insert new rows, update changed ones; returns (id, key, inserted) for every row written."""
    written: list[tuple[int, str, bool]] = []
    with bulk_load(cursor, kind):
        for extra in kind.passes:  # e.g. grids: once per level, parents first
            for statement in statements(sql.load(f"{kind.sql}_upsert")):
                cursor.execute(statement, {**params, **extra})
                if cursor.description is not None:
                    written += cursor.fetchall()
    return written


@contextmanager
def bulk_load(cursor, kind: Kind) -> Iterator[list[str]]:
    """Into an empty target (a kind with a <sql>_bulk_indexes.sql): its GiST/GIN indexes dropped for the write
    and built again from their own definitions after it, in the same transaction; yields the names dropped."""
    try:
        indexes_sql, constraints_sql = statements(sql.load(f"{kind.sql}_bulk_indexes"))
    except FileNotFoundError:
        yield []
        return
    cursor.execute(indexes_sql)
    indexes = cursor.fetchall()
    if not indexes:
        yield []
        return
    cursor.execute(constraints_sql)
    constraints = [pgsql.Identifier(schema, name) for schema, name in cursor.fetchall()]
    deferred = pgsql.SQL(", ").join(constraints)
    for schema, name, _ in indexes:
        cursor.execute(pgsql.SQL("DROP INDEX {}").format(pgsql.Identifier(schema, name)))
    yield [name for _, name, _ in indexes]
    if constraints:  # run their pending checks now: CREATE INDEX refuses a table with pending trigger events
        cursor.execute(pgsql.SQL("SET CONSTRAINTS {} IMMEDIATE").format(deferred))
    for _, _, definition in indexes:
        cursor.execute(definition)  # the catalog's own CREATE INDEX text (pg_get_indexdef)
    if constraints:
        cursor.execute(pgsql.SQL("SET CONSTRAINTS {} DEFERRED").format(deferred))


def link(cursor, kind: Kind, ids: list[int]) -> int:
    """The kind's linking and spatial assignment for the rows written; returns rows assigned to grids.

    The link SQL matches the written ids with ``id IN (SELECT unnest(ids))``, which the planner runs as a
    hashed semi-join: ``id = ANY(ids)`` on an unindexed temporary table tests the array element by
    element for every row, quadratic for a million residents.
    """
    try:
        text = sql.load(f"{kind.sql}_link")
    except FileNotFoundError:
        return 0
    assigned = 0
    for statement in statements(text):
        cursor.execute(statement, {"ids": ids})
        if cursor.description is not None:
            assigned += sum(row[0] or 0 for row in cursor.fetchall())
    if kind.after_link:
        kind.after_link(cursor)
    return assigned


def statements(text: str) -> list[str]:
    """A file's statements (separated by a semicolon at a line end and a blank line), comment-only parts left out."""
    parts = [part.strip() for part in text.split(";\n\n")]
    return [part for part in parts
            if any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())]
