"""Contender (2): GDAL's own loader, ``ogr2ogr -f PostgreSQL`` with COPY: the reference for raw speed.

It loads into a plain table of its own (its GiST index on the geometry, nothing else): no
validation, no constraints, no upsert, no grid assignment.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from django.db import connection

from bench.imports import scratch


def command(path: Path) -> list[str]:
    return ["ogr2ogr", "-f", "PostgreSQL", scratch.pg_string(), str(path), "-nln", scratch.OGR_TABLE,
            "-lco", "GEOMETRY_NAME=footprint", "-nlt", "MULTIPOLYGON", "--config", "PG_USE_COPY", "YES"]


def drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch.OGR_TABLE}")


def load(path: Path) -> float:
    """Seconds ogr2ogr takes to load the file into an absent table (dropped first, untimed)."""
    drop()
    start = time.perf_counter()
    done = subprocess.run(command(path), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"ogr2ogr failed: {done.stderr.strip()[:500]}")
    return seconds
