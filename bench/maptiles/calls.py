"""The three ways the suite gets a tile: the endpoint, the tile SQL it ran (replayed), and reference SQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.http import HttpResponse
from django.test import Client

from tiles.service import TileCoord, generalisation

REFERENCE_SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
TILE_SQL_MARKER = "st_asmvt("  # a query building MVT bytes is what "the tile SQL" means here


@dataclass(frozen=True)
class SqlCall:
    sql: str
    params: object


class TileSqlRecorder:
    """Execute wrapper that records the MVT-building queries a request runs, with their bound params."""

    def __init__(self) -> None:
        self.calls: list[SqlCall] = []

    def __call__(self, execute, sql, params, many, context):
        if TILE_SQL_MARKER in sql.lower():
            self.calls.append(SqlCall(sql, params))
        return execute(sql, params, many, context)


def tile_url(layer: str, coord: TileCoord) -> str:
    return f"/tiles/{layer}/{coord.z}/{coord.x}/{coord.y}.pbf"


def body(response: HttpResponse) -> bytes:
    """The tile bytes of a 200 or 204 answer (b'' when empty)."""
    if response.status_code not in (200, 204):
        raise RuntimeError(f"tile request failed: HTTP {response.status_code} {response.content[:200]!r}")
    return response.content


def fetch_recording(client: Client, layer: str, coord: TileCoord) -> tuple[bytes, list[SqlCall]]:
    """GET the tile through the full stack and record the tile SQL it executed."""
    recorder = TileSqlRecorder()
    with connection.execute_wrapper(recorder):
        data = body(client.get(tile_url(layer, coord)))
    return data, recorder.calls


def run_raw(calls: list[SqlCall]) -> bytes:
    """Replay recorded tile SQL directly on a driver cursor (no Django layer); the MVT bytes joined."""
    connection.ensure_connection()
    out = []
    with connection.connection.cursor() as cursor:
        for call in calls:
            cursor.execute(call.sql, call.params)
            row = cursor.fetchone()
            out.append(bytes(row[0]) if row and row[0] is not None else b"")
    return b"".join(out)


def tile_params(coord: TileCoord, prefix: str) -> dict:
    """The parameters every tile SQL file takes (as tiles.service.render_tile binds them)."""
    simplify, min_area = generalisation(coord.z)
    return {"z": coord.z, "x": coord.x, "y": coord.y, "prefix": prefix, "simplify": simplify, "min_area": min_area}


def reference_sql(name: str) -> str | None:
    """bench/sql/<name>.sql, or None when there is no such reference."""
    path = REFERENCE_SQL_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8") if path.exists() else None


def reference_call(name: str, coord: TileCoord, prefix: str) -> SqlCall | None:
    sql = reference_sql(name)
    return None if sql is None else SqlCall(sql, tile_params(coord, prefix))
