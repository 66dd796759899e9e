"""Contender (2): GDAL's own loader, ogr2ogr, with COPY: the reference for raw speed, twice.

1. ``ogr2ogr -f PostgreSQL`` into a plain table of its own (its GiST index on the geometry,
   nothing else): no validation, no constraints, no upsert, no grid assignment. The issue's reference.
2. The same rows appended into a table made with ``CREATE TABLE … (LIKE layers_building INCLUDING
   ALL)``: the same columns, NOT NULLs, CHECKs (valid footprint, floors range), identity, the generated
   EPSG:3857 column and all nine indexes (primary key, code unique and pattern_ops btrees, both GiSTs,
   both trigram GINs, the grid and village btrees). INCLUDING ALL copies no foreign keys and no
   triggers (the change-counter trigger); ogr2ogr assigns no grid or village either, so none is checked.
   The system ogr2ogr (GDAL 3.6)'s PostgreSQL driver puts every geometry column of the table in its
   COPY and PostgreSQL refuses a generated one, so this load goes through GDAL's PGDump driver (the
   same COPY text, the layer's own columns only) piped into psql, in one transaction.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from django.db import connection
from psycopg import sql

from bench.imports import scratch

LIKE_TABLE = "bench_ogr_like_buildings"


def command(path: Path) -> list[str]:
    return ["ogr2ogr", "-f", "PostgreSQL", scratch.pg_string(), str(path), "-nln", scratch.OGR_TABLE,
            "-lco", "GEOMETRY_NAME=footprint", "-nlt", "MULTIPOLYGON", "--config", "PG_USE_COPY", "YES"]


def dump_command(path: Path, table: str = LIKE_TABLE) -> list[str]:
    """ogr2ogr writing COPY text for an existing table to stdout (no CREATE, no DROP, no FID column)."""
    return ["ogr2ogr", "-f", "PGDump", "/vsistdout/", str(path), "-nln", table, "-nlt", "MULTIPOLYGON",
            "-unsetFid", "-lco", "CREATE_TABLE=OFF", "-lco", "DROP_TABLE=OFF", "-lco", "CREATE_SCHEMA=OFF",
            "-lco", "SPATIAL_INDEX=NONE", "-lco", "GEOMETRY_NAME=footprint", "--config", "PG_USE_COPY", "YES"]


def psql_command(url: str) -> list[str]:
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]


def drop(table: str = scratch.OGR_TABLE) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)).as_string(
            cursor.cursor.connection))


def load(path: Path) -> float:
    """Seconds ogr2ogr takes to load the file into an absent table (dropped first, untimed)."""
    drop()
    start = time.perf_counter()
    done = subprocess.run(command(path), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"ogr2ogr failed: {done.stderr.strip()[:500]}")
    return seconds


def create_like(table: str = LIKE_TABLE) -> None:
    drop(table)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE TABLE {} (LIKE layers_building INCLUDING ALL)").format(
            sql.Identifier(table)).as_string(cursor.cursor.connection))


def load_like(path: Path, url: str | None = None) -> float:
    """Seconds ogr2ogr | psql takes to append the file into an empty copy of layers_building (made first,
    untimed) of the database at ``url`` (the scratch database unless given: it must be Django's too)."""
    create_like()
    start = time.perf_counter()
    dump = subprocess.Popen(dump_command(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    loaded = subprocess.run(psql_command(url or scratch.url()), stdin=dump.stdout, capture_output=True, text=True,
                            check=False)
    dump.stdout.close()
    dump_error = dump.stderr.read().decode("utf-8", "replace")
    dump.wait()
    seconds = time.perf_counter() - start
    if dump.returncode or loaded.returncode:
        raise RuntimeError(f"ogr2ogr | psql failed: {(dump_error + loaded.stderr).strip()[:500]}")
    return seconds
