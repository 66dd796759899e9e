"""COPY into staging in bulk: every value arrives exactly (escapes, NULLs, text[] literals, float precision,
dates and zoned times), read back from the staging table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from django.db import connection, transaction

from importers import staging
from importers.kinds import kind

NASTY_TEXT = ["plain", "back\\slash", "tab\there", "new\nline", "carriage\rreturn", "\\N", "", "引号\"'", "末尾\\",
              None, "\\t literally"]
TAGS = [["elderly_alone"], ["disabled", "subsidy"], ['quo"te', "back\\slash"], [], None]
FLOATS = [0.1 + 0.2, 1e-300, 123456.78901234567, -0.0, 5e-324, 1.7976931348623157e308, 3.0, None]
ZONE = dt.timezone(dt.timedelta(hours=8))
MOMENTS = [dt.datetime(2024, 5, 1, 8, 30, tzinfo=ZONE), dt.datetime(2024, 5, 1, 8, 30, 0, 123456, tzinfo=dt.UTC),
           dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))), None]
DATES = [dt.date(2024, 2, 29), dt.date(1900, 1, 1), None]


def _column(values: list, n: int) -> np.ndarray:
    column = np.empty(n, dtype=object)
    for i in range(n):  # one by one: a list (tags) is one cell
        column[i] = values[i % len(values)]
    return column


def _staged(kind_name: str, columns: dict[str, list], n: int, geoms=None) -> dict[str, list]:
    k = kind(kind_name)
    values = {fd.name: _column(columns.get(fd.name, [None]), n) for fd in k.fields}
    with transaction.atomic(), connection.cursor() as cursor:
        staging.create(cursor, k)
        staging.copy_rows(cursor, k, np.arange(1, n + 1), values, geoms)
        names = [name for name, _ in k.staging_columns if name != "geom"]
        if k.geometry:
            names.append("ST_AsEWKB(geom)")
        cursor.execute(f"SELECT {', '.join(names)} FROM {staging.STAGING} ORDER BY row_no")
        rows = cursor.fetchall()
        transaction.set_rollback(True)
    return {name: [row[i] for row in rows] for i, name in enumerate(names)} | {"_values": values}


@pytest.mark.django_db(transaction=True)
def test_text_tags_dates_arrive_exactly() -> None:
    n = 2 * len(NASTY_TEXT) * len(TAGS)
    got = _staged("residents", {"name": NASTY_TEXT, "care_tags": TAGS, "birth_date": DATES,
                                "household_code": NASTY_TEXT[::-1]}, n)
    sent = got["_values"]
    for name in ("name", "care_tags", "birth_date", "household_code"):
        assert got[name] == sent[name].tolist(), name


@pytest.mark.django_db(transaction=True)
def test_floats_times_and_geometries_arrive_exactly() -> None:
    n = len(FLOATS) * len(MOMENTS)
    got = _staged("incidents", {"title": NASTY_TEXT, "reported_at": MOMENTS, "closed_at": MOMENTS[::-1]}, n,
                  shapely.points(np.linspace(114.0, 114.3, n), np.full(n, 30.1)))
    sent = got["_values"]
    for name in ("title", "reported_at", "closed_at"):
        assert got[name] == sent[name].tolist(), name
    points = shapely.points(np.linspace(114.0, 114.3, n), np.full(n, 30.1))
    assert [bytes(w) for w in got["ST_AsEWKB(geom)"]] == shapely.to_wkb(
        shapely.set_srid(points, 4326), include_srid=True).tolist()
    buildings = _staged("buildings", {"code": ["B1"], "height": FLOATS, "floors": [3, None, 200]}, len(FLOATS),
                        np.array([shapely.multipolygons([shapely.box(114, 30, 114.001, 30.001)])] * len(FLOATS)))
    assert [repr(v) for v in buildings["height"]] == [repr(v) for v in buildings["_values"]["height"].tolist()]
    assert buildings["floors"] == buildings["_values"]["floors"].tolist()


def test_copy_text_cells() -> None:
    assert staging.copy_text(np.array(["a\\b", None, "c\td\n\r"], dtype=object), "text") == \
        ["a\\\\b", "\\N", "c\\td\\n\\r"]
    assert staging.copy_text(np.array([['x"y', "z"], None], dtype=object), "text[]") == ['{"x\\\\"y","z"}', "\\N"]
    assert staging.copy_text(np.array([0.1 + 0.2, 7, None], dtype=object), "double precision") == \
        ["0.30000000000000004", "7.0", "\\N"]
