"""Bulk loading of generated tables with PostgreSQL COPY (psycopg 3), ids kept as generated."""

from __future__ import annotations

import numpy as np
import shapely

from layers.demo.dataset import Table

NULL = "\\N"
CHUNK_ROWS = 100_000
SRID = 4326


def text_column(values: np.ndarray) -> np.ndarray:
    """COPY text of a column: numbers and strings as they are, None / NaT as \\N, timestamps in UTC."""
    if np.issubdtype(values.dtype, np.datetime64):
        text = np.char.add(np.datetime_as_string(values, unit="s"), "+00").astype(object)
        text[np.isnat(values)] = NULL
        return text
    if values.dtype == object:
        text = values.copy()
        text[np.equal(values, None)] = NULL
        return text
    return values.astype(str).astype(object)


def geometry_column(geoms: np.ndarray) -> np.ndarray:
    """Hex EWKB with SRID, which PostGIS reads directly."""
    return shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True, include_srid=True).astype(object)


def copy_table(cursor, table: Table) -> int:
    """COPY all rows of a table; returns the row count."""
    names = list(table.columns) + list(table.geometry)
    columns = [table.columns[c] for c in table.columns] + [table.geometry[c] for c in table.geometry]
    converters = [text_column] * len(table.columns) + [geometry_column] * len(table.geometry)
    n = len(table)
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for start in range(0, n, CHUNK_ROWS):
            chunk = [convert(col[start:start + CHUNK_ROWS]).tolist()
                     for convert, col in zip(converters, columns, strict=True)]
            copy.write("".join("\t".join(map(str, row)) + "\n" for row in zip(*chunk, strict=True)))
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), GREATEST(max(id), 1)) "
                   f"FROM {table.name}")
    return n
