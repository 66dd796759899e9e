"""The building drill-down (/api/buildings/<code>/): units → households → residents (masked) as plain dicts.

Five flat statements whatever the building's size (building, units, households, residents, parents; the
residents one is skipped when there is no household), from the commented files in ``sql/``, grouped in
Python and masked with ``layers.api.masking``. The shape is ``serializers.BuildingDetailSerializer``,
which documents it in the OpenAPI schema (tests/test_api.py checks both give the same answer).
Why SQL files: DRF ModelSerializer instances per resident cost 5-10x the SQL they serialize, and even
``values_list`` querysets spend ~0.3-0.6 ms each compiling, 2-4x the statement itself (bench (f)).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils import timezone
from rest_framework_gis.fields import GeometryField

from layers.api.figures import ancestor_codes
from layers.api.masking import mask_id_number, mask_phone
from layers.models import Building
from layers.models.scoping import area_prefix

# Scalar properties of the building, in response order (then units, households_without_unit, parents).
BUILDING_PROPERTIES = ("code", "name", "address", "floors", "height", "use", "year_built", "grid_code",
                       "village_code")
BUILDING_COLUMNS = ("id", *BUILDING_PROPERTIES, "footprint")  # the columns of sql/building.sql

SQL_DIR = Path(__file__).resolve().parent / "sql"

_geometry = GeometryField()


def age_on(born: dt.date, today: dt.date) -> int:
    """Whole years between ``born`` and ``today``."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def resident_dict(row: tuple, today: dt.date) -> dict:
    """One row of sql/building_residents.sql → the masked resident of the response."""
    _household, pk, name, sex, born, id_number, phone, relation, residence_type, care_tags = row
    return {"id": pk, "name": name, "sex": sex, "age": age_on(born, today),
            "id_number_masked": mask_id_number(id_number), "phone_masked": mask_phone(phone),
            "relation": relation, "residence_type": residence_type, "care_tags": list(care_tags)}


def rows(statement: str, **params: object) -> list[tuple]:
    """The rows of one of the drill-down's SQL files, every value bound as a parameter."""
    with connection.cursor() as cursor:
        cursor.execute(statement_text(statement), params)
        return cursor.fetchall()


@functools.cache
def statement_text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def residents_by_household(household_ids: list[int], today: dt.date) -> dict[int, list[dict]]:
    """The masked residents of these households, each household's in id order (one query, none if no ids)."""
    grouped: dict[int, list[dict]] = defaultdict(list)
    if household_ids:
        for row in rows("building_residents", households=household_ids):
            grouped[row[0]].append(resident_dict(row, today))
    return grouped


def household_dicts(households: Iterable[tuple],
                    residents: dict[int, list[dict]]) -> dict[int | None, list[dict]]:
    """Rows of sql/building_households.sql → household dicts by unit id (None = no unit), in the rows' order."""
    grouped: dict[int | None, list[dict]] = defaultdict(list)
    for pk, unit_id, code, floor, room, tier in households:
        grouped[unit_id].append({"code": code, "floor": floor, "room": room, "tier": tier,
                                 "residents": residents.get(pk, [])})
    return grouped


def building_contents(building_id: int) -> dict:
    """``units`` and ``households_without_unit`` of a building (three queries, two if it has no household)."""
    units = rows("building_units", building=building_id)
    households = rows("building_households", building=building_id, units=[pk for pk, _number in units])
    residents = residents_by_household([row[0] for row in households], timezone.localdate())
    by_unit = household_dicts(households, residents)
    return {"units": [{"number": number, "households": by_unit.get(pk, [])} for pk, number in units],
            "households_without_unit": by_unit.get(None, [])}


def building_parents(user, code: str | None) -> list[dict]:
    """``area_parents(user, code, itself=True)`` in one query: the grids and divisions the user may open."""
    prefix = area_prefix(user)
    if not code or prefix is None:
        return []
    divisions, grids = ancestor_codes(code, itself=True)
    order = {c: i for i, c in enumerate(divisions + grids)}
    found = rows("building_parents", divisions=divisions, grids=grids, prefix=prefix)
    return [{"kind": kind, "code": c, "name": name} for kind, c, name in sorted(found, key=lambda r: order[r[1]])]


def find_building(code: str, user) -> dict | None:
    """The BUILDING_COLUMNS of the building with this code inside the user's area (one query), else None."""
    prefix = area_prefix(user)
    if prefix is None:
        return None
    found = rows("building", code=code, prefix=prefix)
    if not found:
        return None
    building = dict(zip(BUILDING_COLUMNS, found[0], strict=True))
    building["footprint"] = GEOSGeometry(building["footprint"])
    return building


def building_row(building: Building) -> dict:
    """The BUILDING_COLUMNS of a Building annotated with grid_code and village_code (the ORM lookup)."""
    return {name: getattr(building, name) for name in BUILDING_COLUMNS}


def building_feature(building: dict, user) -> dict:
    """The GeoJSON Feature of /api/buildings/<code>/ for a ``find_building`` / ``building_row`` dict."""
    properties = {name: building[name] for name in BUILDING_PROPERTIES}
    properties.update(building_contents(building["id"]))
    properties["parents"] = building_parents(user, building["grid_code"] or building["village_code"])
    return {"type": "Feature", "geometry": _geometry.to_representation(building["footprint"]),
            "properties": properties}
