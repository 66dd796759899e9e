"""Coverage report: elderly-alone households without a working smoke detector, by grid (iot/sql/coverage.sql)."""

from __future__ import annotations

import json

from django.db import connection

from iot import sql

COLUMNS = ("grid_code", "grid_name", "households", "covered", "uncovered", "no_detector", "detector_offline",
           "uncovered_households")
TOTALS = ("households", "covered", "uncovered", "no_detector", "detector_offline")


def coverage(prefix: str) -> dict:
    """Per-grid rows and totals for the area with this grid code prefix ('' = everything)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.load("coverage"), {"prefix": prefix})
        grids = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for grid in grids:
        if isinstance(grid["uncovered_households"], str):
            grid["uncovered_households"] = json.loads(grid["uncovered_households"])
    return {"totals": {name: sum(g[name] for g in grids) for name in TOTALS}, "grids": grids}
