"""What the figures were measured on: versions, CPUs and data sizes."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import django
from django.db import connection

from layers.models import Building, Division, Grid, Household, Incident, Resident, Sensor

SQL = (Path(__file__).resolve().parent / "queries" / "environment.sql").read_text(encoding="utf-8")
COUNTED = {"divisions": Division, "grids": Grid, "buildings": Building, "households": Household,
           "residents": Resident, "sensors": Sensor, "incidents": Incident}


def facts() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        postgres, postgis, database, size = cursor.fetchone()
    return {
        "postgres": postgres, "postgis": postgis, "database": database, "database_mb": round(size / 2**20),
        "cpus": os.cpu_count(), "python": platform.python_version(), "django": django.get_version(),
        "rows": {name: model.objects.count() for name, model in COUNTED.items()},
    }


def describe(env: dict) -> str:
    rows = ", ".join(f"{n} {c:,}" for n, c in env["rows"].items())
    return (f"PostgreSQL {env['postgres']} · PostGIS {env['postgis']} · {env['cpus']} CPUs · Python {env['python']}"
            f" · Django {env['django']}\ndatabase {env['database']} ({env['database_mb']:,} MB): {rows}")
