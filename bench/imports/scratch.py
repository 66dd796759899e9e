"""The scratch database the import contenders write into: created, migrated and given the city's areas.

Our importer and LayerMapping write into its real ``layers_building`` (every constraint, the
generated EPSG:3857 column, the GiST indexes and triggers of the schema); ogr2ogr writes a table
of its own there. Django's default connection is pointed at it only inside ``using()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import numpy as np
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from psycopg import sql

NAME = "geogov_import_bench"
OGR_TABLE = "bench_ogr_buildings"
# Emptied between runs; households and residents only when the residents part builds them anew.
TABLES = ("layers_resident", "layers_household", "layers_unit", "layers_building")


def _server(dbname: str) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(dbname=dbname, user=db["USER"], password=db["PASSWORD"] or None,
                           host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True)


def url(name: str = NAME) -> str:
    """postgres:// URL of the scratch database (for child processes and ogr2ogr's PG: string)."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def pg_string(name: str = NAME) -> str:
    """GDAL's PG: connection string of the scratch database."""
    db = settings.DATABASES["default"]
    parts = {"dbname": name, "user": db["USER"], "host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432}
    if db["PASSWORD"]:
        parts["password"] = db["PASSWORD"]
    return "PG:" + " ".join(f"{k}={v}" for k, v in parts.items())


@contextmanager
def using(name: str = NAME) -> Iterator[None]:
    """Django's default connection on the scratch database for the duration."""
    conn = connections["default"]
    conn.close()
    saved = conn.settings_dict["NAME"]
    conn.settings_dict["NAME"] = name
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict["NAME"] = saved


def create() -> bool:
    """Create the scratch database with PostGIS when missing; True when created."""
    with _server("postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (NAME,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(NAME)))
    with _server(NAME) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return True


def _load_layer(cursor, areas: Path, layer: str, table: str, columns: tuple[str, ...]) -> int:
    import pyogrio
    import shapely

    from layers.demo.copyload import copy_table
    from layers.demo.dataset import Table

    frame = pyogrio.read_dataframe(areas, layer=layer)
    values = {c: frame[c].to_numpy() for c in columns}
    if "parent_id" in values:
        parent = values["parent_id"].astype(np.int64)
        values["parent_id"] = np.where(parent < 0, None, parent).astype(object)
    values = {c: v.astype(object) if v.dtype == object else v for c, v in values.items()}
    n = len(frame)
    if table == "layers_grid":
        values.update({k: np.zeros(n, dtype=np.int64) for k in
                       ("households", "residents", "tier_green", "tier_yellow", "tier_red")})
        values["revision"] = np.ones(n, dtype=np.int64)
        values["updated_at"] = np.full(n, "2025-01-01T00:00:00+00", dtype=object)
    geoms = shapely.from_wkb(shapely.to_wkb(frame.geometry.to_numpy()))
    return copy_table(cursor, Table(table, values, {"boundary": geoms}))


def prepare(areas: Path, say) -> None:
    """Create and migrate the scratch database; load the city's divisions and grids once."""
    if create():
        say(f"created scratch database {NAME}")
    with using():
        call_command("migrate", interactive=False, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM layers_grid")
            if cursor.fetchone()[0] == 0:
                say("loading the city's divisions and grids into the scratch database …")
                cursor.execute(f"TRUNCATE {', '.join(TABLES)}, layers_grid, layers_division RESTART IDENTITY CASCADE")
                _load_layer(cursor.cursor, areas, "divisions", "layers_division", ("id", "code", "name", "level",
                                                                                    "parent_id"))
                _load_layer(cursor.cursor, areas, "grids", "layers_grid", ("id", "code", "name", "level", "kind",
                                                                            "division_id", "parent_id"))
                cursor.execute("ANALYZE layers_division")
                cursor.execute("ANALYZE layers_grid")


def empty(*tables: str) -> None:
    """Empty the target tables (ids restart) so each run writes into an empty target."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables or TABLES)} RESTART IDENTITY CASCADE")
