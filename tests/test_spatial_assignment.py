"""Spatial assignment: buildings, incidents and sensors land in the right grid; figures recount."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from layers.models import Building, Grid, Household, Incident, Resident, Sensor
from tests.conftest import District, add_household, box

pytestmark = pytest.mark.django_db


def test_building_straddling_two_grids_goes_to_the_larger_share(district: District):
    # B2 spans x = 114.0998 … 114.1008 across the grid line at 114.10: 80 % lies in grid 12.
    assert district.b2.grid == district.grid12
    assert district.b1.grid == district.grid11
    assert district.b3.grid == district.grid21


def test_assign_grids_follows_a_moved_footprint(district: District):
    Building.objects.filter(pk=district.b2.pk).update(footprint=box(114.0992, 30.100, 114.1002, 30.1005))
    Building.objects.filter(pk=district.b2.pk).assign_grids()
    district.b2.refresh_from_db()
    assert district.b2.grid == district.grid11


def test_building_outside_every_grid_gets_none(district: District):
    lone = Building.objects.create(code="B9", footprint=box(114.01, 30.01, 114.011, 30.011))
    Building.objects.assign_grids()
    lone.refresh_from_db()
    assert lone.grid is None


def test_assign_villages(district: District):
    Building.objects.update(village=None)
    Building.objects.assign_villages()
    assert Building.objects.get(code="B3").village == district.village2


def test_incident_assignment(district: District):
    now = timezone.now()
    inside_b1 = Incident.objects.create(code="E1", title="楼道堆物", category="安全/消防", source="grid_worker",
                                        location=Point(114.0705, 30.1005, srid=4326), reported_at=now)
    street = Incident.objects.create(code="E2", title="路灯损坏", category="市政/照明", source="hotline",
                                     location=Point(114.30, 30.06, srid=4326), reported_at=now)
    Incident.objects.assign_grids()
    Incident.objects.assign_buildings()
    inside_b1.refresh_from_db()
    street.refresh_from_db()
    assert (inside_b1.grid, inside_b1.building) == (district.grid11, district.b1)
    assert (street.grid, street.building) == (district.grid21, None)


def test_sensor_assignment_uses_containing_or_nearest_building(district: District):
    inside = Sensor.objects.create(device_id="S1", kind="smoke", location=Point(114.3005, 30.1005, srid=4326))
    # ~10 m east of B3's east wall (114.301): still B3; ~100 m away: no building.
    near = Sensor.objects.create(device_id="S2", kind="camera", location=Point(114.3011, 30.1005, srid=4326))
    far = Sensor.objects.create(device_id="S3", kind="camera", location=Point(114.3020, 30.1005, srid=4326))
    Sensor.objects.assign_buildings()
    Sensor.objects.assign_grids()
    found = {s.device_id: (s.building_id, s.grid_id) for s in Sensor.objects.all()}
    assert found == {inside.device_id: (district.b3.pk, district.grid21.pk),
                     near.device_id: (district.b3.pk, district.grid21.pk),
                     far.device_id: (None, district.grid21.pk)}


def test_refresh_figures_equals_a_recount(district: District):
    add_household(district.b2, None, "201", "red", [("新户", "M", dt.date(2001, 1, 1), [])])
    Grid.objects.refresh_figures()
    for grid in Grid.objects.all():
        households = Household.objects.filter(building__grid__code__startswith=grid.code)
        assert grid.households == households.count()
        assert grid.residents == Resident.objects.filter(household__in=households).count()
        assert (grid.tier_green, grid.tier_yellow, grid.tier_red) == tuple(
            households.filter(tier=t).count() for t in ("green", "yellow", "red"))
    assert Grid.objects.get(code="420102001001002").tier_red == 1
