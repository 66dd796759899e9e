"""Bulk load into an empty layers_building: its GiST/GIN indexes are dropped for the write and built again
after it, in the same transaction; the table ends with exactly the indexes it had (names and definitions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from django.db import connection

from importers import staging
from importers.core import ImportRequest, run_import
from importers.kinds import kind
from layers.models import Building

INDEXES_SQL = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'layers_building' ORDER BY indexname"


def indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(INDEXES_SQL)
        return cursor.fetchall()


def buildings_file(path: Path, count: int) -> Path:
    features = [{"type": "Feature", "properties": {"code": f"BULK{i:03d}", "address": f"东一路{i}号", "floors": 3},
                 "geometry": shapely.geometry.mapping(shapely.box(114 + i * 0.001, 30, 114.0005 + i * 0.001, 30.0005))}
                for i in range(count)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def spatial_and_trigram(rows: list[tuple[str, str]]) -> set[str]:
    return {name for name, definition in rows if " USING gist " in definition or " USING gin " in definition}


@pytest.mark.django_db
def test_import_into_an_empty_table_leaves_the_same_indexes(tmp_path: Path) -> None:
    assert not Building.objects.exists()
    before = indexes()
    assert len(spatial_and_trigram(before)) == 4  # footprint and EPSG:3857 GiSTs, address and name trigrams
    report = run_import(ImportRequest(kind="buildings", path=buildings_file(tmp_path / "b.geojson", 30), commit=True))
    assert (report.inserted, report.rejected) == (30, 0)
    assert indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT bool_and(x.indisvalid AND x.indisready) FROM pg_index x "
                       "WHERE x.indrelid = 'layers_building'::regclass")
        assert cursor.fetchone()[0] is True
        cursor.execute("SET LOCAL enable_seqscan = off")  # 30 rows: else the planner reads the table
        query = "SELECT count(*) FROM layers_building WHERE address LIKE '%一路2%'"
        cursor.execute("EXPLAIN " + query)
        assert "search_building_address_trgm" in " ".join(row[0] for row in cursor.fetchall())
        cursor.execute(query)  # through the rebuilt trigram GIN
        assert cursor.fetchone()[0] == 11  # 东一路2号, 东一路20号 … 东一路29号


@pytest.mark.django_db
def test_bulk_load_drops_the_spatial_and_trigram_indexes_only_while_the_table_is_empty(tmp_path: Path) -> None:
    before = indexes()
    with connection.cursor() as cursor, staging.bulk_load(cursor, kind("buildings")) as dropped:
        assert set(dropped) == spatial_and_trigram(before)
        assert [name for name, _ in indexes()] == sorted(set(dict(before)) - set(dropped))
    assert indexes() == before
    run_import(ImportRequest(kind="buildings", path=buildings_file(tmp_path / "b.geojson", 2), commit=True))
    with connection.cursor() as cursor, staging.bulk_load(cursor, kind("buildings")) as dropped:
        assert dropped == []
    report = run_import(ImportRequest(kind="buildings", path=buildings_file(tmp_path / "c.geojson", 4), commit=True))
    assert (report.inserted, report.unchanged) == (2, 2)
    assert indexes() == before


@pytest.mark.django_db
def test_empty_again_after_a_delete_in_the_same_transaction(tmp_path: Path) -> None:
    """The delete leaves deferred foreign-key checks pending on the table: they run before the rebuild."""
    path = buildings_file(tmp_path / "b.geojson", 3)
    run_import(ImportRequest(kind="buildings", path=path, commit=True))
    before = indexes()
    Building.objects.all().delete()
    report = run_import(ImportRequest(kind="buildings", path=path, commit=True))
    assert (report.inserted, Building.objects.count()) == (3, 3)
    assert indexes() == before


def test_kinds_without_a_bulk_file_keep_their_indexes() -> None:
    with staging.bulk_load(None, kind("residents")) as dropped:
        assert dropped == []
