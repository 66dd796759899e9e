"""Staging: accepted rows go by COPY into a temporary table, then set-based SQL checks, writes and links them.

The staging table lives for one transaction (``ON COMMIT DROP``); its columns come from the kind
table (identifiers of ours, never of the file). Values travel through COPY, never through SQL text.
"""

from __future__ import annotations

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


def _copy_cell(value):
    if isinstance(value, list):  # text[]
        return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value) + "}"
    return value


def copy_rows(cursor, kind: Kind, row_numbers: np.ndarray, values: dict[str, np.ndarray],
              geoms: np.ndarray | None) -> int:
    """COPY the accepted rows; geometries as hex EWKB (SRID 4326)."""
    names = ["row_no"] + [name for name, _ in kind.staging_columns]
    columns = [row_numbers.tolist()] + [values[fd.name].tolist() for fd in kind.fields]
    columns += [[value] * len(row_numbers) for _, value in kind.fixed]
    if kind.geometry:
        columns.append(shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True).tolist())
    has_lists = any(fd.sql_type.endswith("[]") for fd in kind.fields)
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(STAGING), pgsql.SQL(", ").join(map(pgsql.Identifier, names)))
    with cursor.copy(statement) as copy:
        for row in zip(*columns, strict=True):
            copy.write_row([_copy_cell(v) for v in row] if has_lists else row)
    return len(row_numbers)


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
    for statement in statements(sql.load(f"{kind.sql}_upsert")):
        cursor.execute(statement, params)
        if cursor.description is not None:
            written += cursor.fetchall()
    return written


def link(cursor, kind: Kind, ids: list[int]) -> int:
    """The kind's linking and spatial assignment for the rows written; returns rows assigned to grids."""
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
