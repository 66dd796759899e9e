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


LIKE_STRUCTURE_SQL = """
SELECT (SELECT count(*) FROM pg_indexes WHERE tablename = %(t)s),
       (SELECT string_agg(a.amname, ',' ORDER BY a.amname) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
        JOIN pg_am a ON a.oid = c.relam WHERE x.indrelid = %(t)s::regclass AND a.amname <> 'btree'),
       (SELECT count(*) FROM pg_constraint WHERE conrelid = %(t)s::regclass AND contype = 'c'),
       (SELECT count(*) FROM pg_constraint WHERE conrelid = %(t)s::regclass AND contype = 'f'),
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = %(t)s::regclass AND NOT tgisinternal),
       (SELECT attgenerated FROM pg_attribute WHERE attrelid = %(t)s::regclass AND attname = 'footprint_3857')
"""


@pytest.mark.django_db(transaction=True)
def test_ogr2ogr_appends_into_an_identical_table_and_passes_the_gate(tmp_path) -> None:
    """CREATE TABLE (LIKE layers_building INCLUDING ALL) copies the 9 indexes (incl. both GiSTs and trigram
    GINs), the 4 CHECKs and the generated EPSG:3857 column, not the foreign keys or the trigger; ogr2ogr's
    PGDump | psql fills it with the same rows our importer writes (heights of at most 15 significant digits:
    GDAL 3.6 writes doubles with 15, so 0.1 + 0.2 arrives as 0.3)."""
    import geopandas
    import shapely
    from django.conf import settings

    from bench.imports import ogr, scratch
    from importers.core import ImportRequest, run_import

    boxes = [shapely.MultiPolygon([shapely.box(114 + i / 1000, 30, 114.0005 + i / 1000, 30.0005)]) for i in range(3)]
    frame = geopandas.GeoDataFrame({"code": ["L1", "L2", "L3"], "address": ["东一路1号", "tab\there", "back\\slash"],
                                    "name": ["1栋", "", "3栋"], "floors": np.array([3, 5, 7], dtype=np.int32),
                                    "height": [9.5, 12.25, 21.0], "use": ["residential", "commercial", "mixed"],
                                    "year_built": np.array([1999, 2005, 2020], dtype=np.int32)},
                                   geometry=boxes, crs="EPSG:4326")
    path = tmp_path / "b.gpkg"
    frame.to_file(path, layer="buildings", driver="GPKG", engine="pyogrio", VERSION="1.2")
    try:
        ogr.load_like(path, url=scratch.url(settings.DATABASES["default"]["NAME"]))
        with connection.cursor() as cursor:
            cursor.execute(LIKE_STRUCTURE_SQL, {"t": ogr.LIKE_TABLE})
            assert cursor.fetchone() == (9, "gin,gin,gist,gist", 4, 0, 0, "s")
            cursor.execute(LIKE_STRUCTURE_SQL, {"t": "layers_building"})
            assert cursor.fetchone() == (9, "gin,gin,gist,gist", 4, 2, 1, "s")
        report = run_import(ImportRequest(kind="buildings", path=path, commit=True))
        assert report.inserted == 3
        result = gates.compare("layers_building", ogr.LIKE_TABLE)
        assert result.ok, result.describe()
    finally:
        ogr.drop(ogr.LIKE_TABLE)
