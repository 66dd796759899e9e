"""Bad input through the admin forms: a form error naming the field, never a 500 or a half save."""

from __future__ import annotations

import pytest

from layers.models import Building, Household, Resident
from tests.conftest import District

BOWTIE = "SRID=4326;MULTIPOLYGON(((114.30 30.10, 114.31 30.11, 114.31 30.10, 114.30 30.11, 114.30 30.10)))"
SQUARE = "SRID=4326;MULTIPOLYGON(((114.30 30.10, 114.3002 30.10, 114.3002 30.1002, 114.30 30.1002, 114.30 30.10)))"


def building_form(**overrides) -> dict:
    form = {"code": "NEW1", "address": "新楼1号", "name": "", "footprint": SQUARE, "floors": "6",
            "height": "", "use": "residential", "year_built": "", "grid": "", "village": ""}
    form.update(overrides)
    return form


@pytest.mark.parametrize(("overrides", "error_key", "error_text"), [
    ({"footprint": BOWTIE}, "__all__", "基底轮廓几何无效"),
    ({"footprint": "not a geometry"}, "footprint", ""),
    ({"floors": "0"}, "__all__", "层数须在1到200之间"),
])
def test_building_add_with_bad_input_shows_errors(api, district: District, overrides, error_key, error_text):
    before = Building.objects.count()
    response = api("admin").post("/admin/layers/building/add/", building_form(**overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert error_key in errors and error_text in " ".join(errors[error_key])
    assert Building.objects.count() == before


def test_building_add_with_good_input_saves(api, district: District):
    response = api("admin").post("/admin/layers/building/add/", building_form())
    assert response.status_code == 302
    assert Building.objects.filter(code="NEW1").exists()


def test_resident_with_bad_id_checksum_is_a_form_error(api, district: District):
    household = Household.objects.first()
    good = district.residents[0].id_number
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = api("admin").post("/admin/layers/resident/add/", {
        "household": household.pk, "name": "测试", "sex": "M", "birth_date": "1980-01-01",
        "id_number": bad, "phone": "13800138000", "relation": "head", "residence_type": "registered",
        "care_tags": "",
    })
    assert response.status_code == 200
    assert "id_number" in response.context["adminform"].form.errors
    assert not Resident.objects.filter(id_number=bad).exists()
