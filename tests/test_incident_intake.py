"""Intake (issue 5): one core for every channel — location, grid/building, held cases, duplicates, idempotency."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from incidents import intake
from incidents.models import Hold, IncidentTransition, Reporter
from tests.conftest import District

pytestmark = pytest.mark.django_db


def test_register_assigns_grid_building_code_deadline_and_logs_the_report(district: District):
    result = intake.register("walk_in", title="楼道堆物", category="安全隐患", location=Point(114.0705, 30.1005),
                             reporter={"name": "张三", "phone": "13800000001"}, user=district.users["village1"])
    case = result.incident
    assert result.created and result.duplicate_of is None and not result.held
    assert (case.grid_id, case.building_id) == (district.grid11.pk, district.b1.pk)
    assert case.code.startswith("SJ") and len(case.code) == 16
    assert list(IncidentTransition.objects.filter(incident=case).values_list("action", "to_status")) == [
        ("report", "reported")]
    assert Reporter.objects.get(incident=case).phone == "13800000001"
    assert not Hold.objects.exists()
