"""The imports benchmark's parts that can be checked without timing: its correctness gate (the SQL that
compares two tables of buildings by code) and the residents it generates (every row must import).

No timing is asserted: figures come from `manage.py bench --suite imports`.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from bench.imports import gates, residents
from importers.kinds import kind

SQUARE = "MULTIPOLYGON(((114 30,114.001 30,114.001 30.001,114 30.001,114 30)))"
# The same square with its ring starting at another vertex: equal as a shape, not vertex for vertex.
SQUARE_ROTATED = "MULTIPOLYGON(((114.001 30,114.001 30.001,114 30.001,114 30,114.001 30)))"
OTHER = "MULTIPOLYGON(((114 30,114.002 30,114.002 30.001,114 30.001,114 30)))"


def make_table(name: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {name} (code text, address text, name text, floors integer, "
                       "height double precision, use text, year_built integer, footprint geometry(MultiPolygon, 4326))")
        for code, floors, wkt in rows:
            cursor.execute(f"INSERT INTO {name} VALUES (%s, '地址', '1栋', %s, 9.5, 'residential', 2001, "
                           "ST_GeomFromText(%s, 4326))", [code, floors, wkt])


@pytest.mark.django_db
def test_gate_passes_equal_tables_and_tells_reordered_vertices_apart() -> None:
    make_table("ours_t", [("B1", 3, SQUARE), ("B2", 4, SQUARE)])
    make_table("ref_t", [("B1", 3, SQUARE), ("B2", 4, SQUARE_ROTATED)])
    result = gates.compare("ours_t", "ref_t")
    assert result == gates.Comparison(2, 2, 0, 0, 0, 0, 1, 0)
    assert result.ok
    assert result.describe() == "2 = 2 rows, attributes equal, geometries equal as shapes (1 with vertices re-ordered)"


@pytest.mark.django_db
def test_gate_fails_on_a_missing_code_a_changed_attribute_or_a_changed_geometry() -> None:
    make_table("ours_t", [("B1", 3, SQUARE), ("B2", 5, SQUARE), ("B3", 4, OTHER), ("B9", 1, SQUARE)])
    make_table("ref_t", [("B1", 3, SQUARE), ("B2", 4, SQUARE), ("B3", 4, SQUARE), ("B4", 1, SQUARE)])
    result = gates.compare("ours_t", "ref_t")
    assert result == gates.Comparison(4, 4, 1, 1, 1, 1, 1, 1)
    assert not result.ok
    assert result.describe() == ("ours 4 vs 4: 1 missing, 1 extra, 1 attributes differ, 1 geometries differ")


def test_generated_residents_pass_every_field_parser_and_id_check() -> None:
    households = residents.household_codes(np.array(["610902001201B0001", "610902001201B0002"], dtype=object))
    assert households.tolist() == ["610902001201B0001-1", "610902001201B0001-2",
                                   "610902001201B0002-1", "610902001201B0002-2"]
    columns = residents.rows(500, households, seed=7)
    spec = kind("residents")
    values = {}
    for name in residents.COLUMNS:
        parsed, reasons = spec.field(name).parse(columns[name])
        assert [r for r in reasons.tolist() if r is not None] == [], name
        values[name] = parsed
    for fd in spec.fields:
        values.setdefault(fd.name, np.empty(500, dtype=object))
    assert spec.row_checks(values) == []
    assert len(set(values["id_number"].tolist())) == 500


@pytest.mark.django_db
def test_gate_with_a_tolerance_accepts_wkt_rounding_only() -> None:
    rounded = "MULTIPOLYGON(((114 30,114.001 30,114.001 30.0010000000001,114 30.001,114 30)))"
    make_table("ours_t", [("B1", 3, rounded), ("B2", 3, OTHER)])
    make_table("ref_t", [("B1", 3, SQUARE), ("B2", 3, SQUARE)])
    exact, close = gates.compare("ours_t", "ref_t"), gates.compare("ours_t", "ref_t", 1e-9)
    assert (exact.geometry_differs, close.beyond_tolerance) == (2, 1)
    assert not close.ok
    make_table("ours_u", [("B1", 3, rounded)])
    make_table("ref_u", [("B1", 3, SQUARE)])
    assert not gates.compare("ours_u", "ref_u").ok
    assert gates.compare("ours_u", "ref_u", 1e-9).describe() == (
        "1 = 1 rows, attributes equal, geometries within 1e-09° (1 not exactly equal)")
