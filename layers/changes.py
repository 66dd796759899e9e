"""Data versions of the spatial tables, from the change counters kept by triggers (layers/sql/change_counters.sql)."""

from __future__ import annotations

from django.db import connection

# Tables that have a counter; keep in step with change_counters.sql.
COUNTED_TABLES = ("layers_division", "layers_grid", "layers_building", "layers_household",
                  "layers_sensor", "layers_incident")


def table_versions(*tables: str) -> tuple[int, ...]:
    """Current counter of each table, in one query; any write to a table changes its number."""
    unknown = set(tables) - set(COUNTED_TABLES)
    if unknown:
        raise ValueError(f"no change counter for {sorted(unknown)}")
    # Table names come from the fixed list above, never from input: safe to place in the query.
    # last_value + is_called: a fresh sequence reads 1/false, after its first nextval 1/true.
    selects = ", ".join(f"(SELECT last_value + is_called::int FROM geogov_changes_{t})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return tuple(cursor.fetchone())
