"""(f) The building drill-down (/api/buildings/<code>/): a fixed number of queries, and its time vs its raw SQL."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.gates import fixed_query_count
from bench.maptiles.context import TilesBench
from bench.report import Goal, Row, Stats
from bench.timing import Timed, timed
from layers.models import Building

GOAL = Goal("<=", 3)
QUANTILES = (0.0, 0.25, 0.5, 0.75, 0.9, 1.0)  # buildings picked by household count, smallest to largest


def buildings_by_size() -> list[tuple[str, int, int]]:
    """(code, households, units) of buildings at the QUANTILES of the household count (ties by id)."""
    ranked = list(Building.objects.annotate(n=Count("households", distinct=True), u=Count("units", distinct=True))
                  .order_by("n", "pk").values_list("code", "n", "u"))
    if not ranked:
        return []
    picks = {round(q * (len(ranked) - 1)) for q in QUANTILES}
    return [ranked[i] for i in sorted(picks)]


def captured_sql(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"drill-down failed: HTTP {response.status_code} for {url}")
    return [q["sql"] for q in queries.captured_queries]


def replay(statements: list[str]) -> None:
    """Re-execute the captured statements (values already inlined) on a driver cursor."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall() if cursor.description else None


@dataclass(frozen=True)
class DrillDown:
    code: str
    contents: str
    full: bool  # has units and households: every prefetch runs
    queries: int
    endpoint: Timed
    raw: Timed


def measure(client: Client, code: str, households: int, units: int, repeats: int) -> DrillDown:
    url = f"/api/buildings/{code}/"
    statements = captured_sql(client, url)
    endpoint = timed(lambda: client.get(url), repeats)
    raw = timed(lambda: replay(statements), repeats)
    return DrillDown(code, f"{households} households, {units} units", bool(households and units), len(statements),
                     endpoint, raw)


def run(bench: TilesBench) -> list[Row]:
    measured = [measure(bench.admin.client, *building, bench.repeats) for building in buildings_by_size()]
    fixed = fixed_query_count([m.queries for m in measured if m.full], [m.queries for m in measured if not m.full])
    return [Row("f drill-down/raw SQL", f"building {m.code}", f"{m.queries}q", Stats.of([m.endpoint.ms]),
                Stats.of([m.raw.ms]), m.endpoint.ms / m.raw.ms, GOAL, fixed,
                bytes_p50=len(m.endpoint.result.content),
                note=f"{m.contents}, {m.queries} queries" + ("" if m.full else " (a level is empty: prefetch skipped)"))
            for m in measured]
