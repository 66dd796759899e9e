"""Database constraints and triggers hold whatever path writes the row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, transaction

from layers.models import Building, Division, Grid, Resident
from tests.conftest import District, box, make_id_number

pytestmark = pytest.mark.django_db

DB_ERRORS = (IntegrityError, InternalError)


def bowtie() -> MultiPolygon:
    """A self-intersecting polygon (a figure eight): invalid."""
    return MultiPolygon(Polygon(((114.06, 30.06), (114.08, 30.08), (114.08, 30.06), (114.06, 30.08),
                                 (114.06, 30.06))), srid=4326)


def test_self_intersecting_footprint_is_rejected_by_the_db(district: District):
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.create(code="BAD", footprint=bowtie())


def test_self_intersecting_division_boundary_is_rejected(district: District):
    with pytest.raises(IntegrityError), transaction.atomic():
        Division.objects.create(code="420102001002", name="坏", level="village", parent=district.town1,
                                boundary=bowtie())


def bad_checksum_id() -> str:
    good = make_id_number("420102", dt.date(1990, 1, 1), 123)
    return good[:17] + ("0" if good[17] != "0" else "1")


def test_bad_id_checksum_fails_full_clean(district: District):
    resident = Resident(household=district.residents[0].household, name="错号", sex="M",
                        birth_date=dt.date(1990, 1, 1), id_number=bad_checksum_id())
    with pytest.raises(ValidationError) as err:
        resident.full_clean()
    assert "id_number" in err.value.message_dict


@pytest.mark.parametrize("id_number", [bad_checksum_id(), "42010219900230" + "1234", "12345"])
def test_bad_id_is_rejected_by_the_db_constraint(district: District, id_number: str):
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.create(household=district.residents[0].household, name="错号", sex="M",
                                birth_date=dt.date(1990, 1, 1), id_number=id_number)


def test_valid_id_passes_both(district: District):
    resident = Resident(household=district.residents[0].household, name="对号", sex="F",
                        birth_date=dt.date(2000, 2, 29), id_number=make_id_number("420102", dt.date(2000, 2, 29), 7))
    resident.full_clean()
    resident.save()


def test_grid_outside_its_village_is_rejected_by_the_trigger(district: District):
    with pytest.raises(DB_ERRORS, match="not inside"), transaction.atomic():
        Grid.objects.create(code="420102001001003", name="越界", level=1, division=district.village1,
                            boundary=box(114.14, 30.05, 114.18, 30.10))


def test_grid_code_must_extend_its_village_code(district: District):
    with pytest.raises(DB_ERRORS, match="must start with"), transaction.atomic():
        Grid.objects.create(code="420102002001009", name="错码", level=1, division=district.village1,
                            boundary=box(114.06, 30.06, 114.07, 30.07))


def test_sub_grid_must_be_one_level_below(district: District):
    with pytest.raises(DB_ERRORS, match="one level below"), transaction.atomic():
        Grid.objects.create(code="42010200100100101", name="子", level=3, division=district.village1,
                            parent=district.grid11, boundary=box(114.06, 30.06, 114.07, 30.07))


def test_grid_code_length_must_match_level(district: District):
    with pytest.raises(IntegrityError), transaction.atomic():
        Grid.objects.create(code="42010200100100101", name="错级", level=1, division=district.village1,
                            boundary=box(114.06, 30.06, 114.07, 30.07))


@pytest.mark.parametrize(("code", "level"), [
    ("420102001000", "county"), ("420102000000", "town"), ("420102001000", "village"), ("42010200100", "town"),
])
def test_division_code_level_mismatch_is_rejected(district: District, code: str, level: str):
    with pytest.raises(IntegrityError), transaction.atomic():
        Division.objects.create(code=code + "x" if len(code) < 12 else code, name="错", level=level,
                                boundary=box(114.0, 30.0, 114.01, 30.01))
