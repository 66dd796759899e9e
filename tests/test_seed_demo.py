"""seed_demo: the demo district is complete, consistent, clustered where it should be, deterministic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from geo_governance.management.commands.seed_demo import Command
from layers.demo import seed
from layers.demo.accounts import demo_password
from layers.demo.dataset import generate
from layers.demo.layout import LocalFrame, random_points_in
from layers.demo.profiles import get_profile
from layers.demo.seeding import wipe
from layers.idnumber import check_char
from layers.models import Building, Division, Grid, Household, Incident, Profile, Resident, Sensor

SEED = 7
NOW = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC)
CLUSTERED_BELOW = 0.75  # Clark-Evans ratio: 1 for complete spatial randomness, < 1 clustered


def clark_evans_ratio(xy: np.ndarray, area: float) -> float:
    """Mean nearest-neighbour distance over its expectation under complete spatial randomness."""
    nearest = np.empty(len(xy))
    for start in range(0, len(xy), 1000):
        block = xy[start:start + 1000]
        d2 = ((block[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        d2[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nearest[start:start + len(block)] = np.sqrt(d2.min(axis=1))
    return float(nearest.mean() / (0.5 * np.sqrt(area / len(xy))))


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- the pure generator (no database) ---------------------------------------------------------

def tables_equal(a, b) -> bool:
    for name, table in a.tables.items():
        other = b.tables[name]
        for column, values in table.columns.items():
            if not np.array_equal(values.astype(str), other.columns[column].astype(str)):
                return False
        for column, geoms in table.geometry.items():
            if not np.array_equal(shapely.to_wkb(geoms), shapely.to_wkb(other.geometry[column])):
                return False
    return True


def test_same_seed_same_district_and_other_seed_differs():
    spec = get_profile("demo")
    first, again, other = generate(spec, SEED, NOW), generate(spec, SEED, NOW), generate(spec, SEED + 1, NOW)
    assert tables_equal(first, again)
    assert not tables_equal(first, other)
    ids = first.tables["layers_resident"].columns["id_number"]
    assert len(set(ids) & set(other.tables["layers_resident"].columns["id_number"])) < len(ids) / 10


def test_generated_id_numbers_are_unique_valid_and_local():
    residents = generate(get_profile("demo"), SEED, NOW).tables["layers_resident"].columns
    ids = residents["id_number"]
    assert len(set(ids)) == len(ids)
    assert all(n[:17].isdigit() and n[17] == check_char(n[:17]) and n.startswith("420102") for n in ids)
    assert all(n[6:14] == b.replace("-", "") for n, b in zip(ids[:500], residents["birth_date"][:500], strict=True))
    assert all(int(n[16]) % 2 == (s == "M") for n, s in zip(ids, residents["sex"], strict=True))


def test_clark_evans_flags_clusters_but_not_uniform_points():
    dataset = generate(get_profile("demo"), SEED, NOW)
    region = dataset.layout.region
    xy = shapely.get_coordinates(dataset.tables["layers_incident"].geometry["location"])
    incidents_m = dataset.layout.frame.to_metres_xy(xy)
    uniform = random_points_in(region, len(incidents_m), np.random.default_rng(1))
    assert clark_evans_ratio(incidents_m, region.area) < CLUSTERED_BELOW
    assert clark_evans_ratio(uniform, region.area) > 0.9


# --- the seeded database ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed the demo district once for this file; wipe it afterwards so other tests start empty."""
    with django_db_blocker.unblock():
        report = seed("demo", SEED, replace=True)
        yield report
        wipe()
        get_user_model().objects.filter(username__in=["admin", "county", "town", "village", "grid", "viewer"]).delete()


pytestmark = [pytest.mark.slow]


@pytest.mark.django_db
def test_counts_match_the_demo_profile(seeded):
    assert seeded.seeded
    assert Grid.objects.count() == 58
    assert Grid.objects.filter(level=1, kind="comprehensive").count() == 58
    assert Division.objects.filter(level="village").count() == 8
    assert Division.objects.filter(level="town", code="420102010000").exists()
    assert 900 <= Building.objects.count() <= 1100
    assert 16_000 <= Household.objects.count() <= 20_000
    assert 50_000 <= Resident.objects.count() <= 62_000
    assert 4_500 <= Incident.objects.count() <= 5_500


@pytest.mark.django_db
def test_tier_shares(seeded):
    total = Household.objects.count()
    for tier, share in {"green": 0.83, "yellow": 0.11, "red": 0.055}.items():
        assert abs(Household.objects.filter(tier=tier).count() / total - share) < 0.02, tier


@pytest.mark.django_db
def test_elderly_alone_households_have_a_smoke_detector(seeded):
    alone = Resident.objects.filter(care_tags__contains=["elderly_alone"])
    assert 100 <= alone.count() <= 140
    assert not Resident.objects.filter(household__in=alone.values("household")).exclude(pk__in=alone).exists()
    assert not alone.filter(birth_date__gt=dt.date(1955, 12, 31)).exists()
    covered = fetch("""
        SELECT count(DISTINCT r.household_id) FROM layers_resident r
        JOIN layers_household h ON h.id = r.household_id
        JOIN layers_building b ON b.id = h.building_id
        JOIN layers_sensor s ON s.building_id = b.id AND s.kind = 'smoke' AND ST_Covers(b.footprint, s.location)
        WHERE 'elderly_alone' = ANY(r.care_tags)""")[0][0]
    assert covered == alone.count()
    assert not Sensor.objects.filter(status="alarm").exists()
    assert Sensor.objects.filter(kind="smoke", status="offline").exists()
    assert 140 <= Sensor.objects.filter(kind="camera").count() <= 160


@pytest.mark.django_db
def test_everything_is_assigned_spatially(seeded):
    assert not Building.objects.filter(grid__isnull=True).exists()
    assert not Incident.objects.filter(grid__isnull=True).exists()
    assert not Sensor.objects.filter(grid__isnull=True).exists()
    crossing = fetch("""SELECT count(*) FROM layers_building b JOIN layers_grid g ON g.id = b.grid_id
                        WHERE NOT ST_CoveredBy(b.footprint, g.boundary)""")[0][0]
    assert crossing == 0
    outside = fetch("""SELECT count(*) FROM layers_incident i, layers_division t
                       WHERE t.level = 'town' AND NOT ST_Covers(t.boundary, i.location)""")[0][0]
    assert outside == 0
    assert not Incident.objects.filter(closed_at__lt=F("reported_at")).exists()


@pytest.mark.django_db
def test_grids_tile_their_villages_and_figures_match_a_recount(seeded):
    gaps = fetch("""SELECT v.code, abs(ST_Area(v.boundary) - sum(ST_Area(g.boundary))) / ST_Area(v.boundary)
                    FROM layers_division v JOIN layers_grid g ON g.division_id = v.id GROUP BY v.id""")
    assert len(gaps) == 8 and all(gap < 1e-6 for _, gap in gaps)
    recount = dict(fetch("""
        SELECT g.code, ROW(count(DISTINCT h.id), count(r.id),
               count(DISTINCT h.id) FILTER (WHERE h.tier = 'green'),
               count(DISTINCT h.id) FILTER (WHERE h.tier = 'red'))::text
        FROM layers_grid g LEFT JOIN layers_building b ON b.grid_id = g.id
        LEFT JOIN layers_household h ON h.building_id = b.id LEFT JOIN layers_resident r ON r.household_id = h.id
        GROUP BY g.code"""))
    for grid in Grid.objects.all():
        assert recount[grid.code] == f"({grid.households},{grid.residents},{grid.tier_green},{grid.tier_red})"


@pytest.mark.django_db
def test_id_numbers_pass_the_database_check(seeded):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # the function is not parallel safe
        cursor.execute("SELECT count(*) FROM layers_resident WHERE NOT geogov_gb11643_valid(id_number)")
        assert cursor.fetchone()[0] == 0
    assert Resident.objects.filter(id_number__startswith="420102").count() == Resident.objects.count()


@pytest.mark.django_db
def test_incidents_are_clustered_in_the_database(seeded):
    frame = LocalFrame(*get_profile("demo").centre)
    xy = np.array(fetch("SELECT ST_X(location), ST_Y(location) FROM layers_incident"))
    town = fetch("SELECT ST_AsBinary(boundary) FROM layers_division WHERE level = 'town'")[0][0]
    area = shapely.transform(shapely.from_wkb(bytes(town)), frame.to_metres_xy).area
    assert clark_evans_ratio(frame.to_metres_xy(xy), area) < CLUSTERED_BELOW


@pytest.mark.django_db
def test_demo_logins(seeded, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as seeded
    expected = {"admin": ("admin", None), "county": ("county_operator", "county"),
                "town": ("town_operator", "town"), "village": ("village_operator", "village"),
                "viewer": ("viewer", "town")}
    for username, (role, level) in expected.items():
        profile = Profile.objects.select_related("division", "user").get(user__username=username)
        assert profile.role == role
        assert (profile.division.level if profile.division else None) == level
        assert profile.user.check_password(demo_password())
    grid_login = Profile.objects.get(user__username="grid")
    assert grid_login.role == "grid_worker" and grid_login.grid.code == "420102010001001"
    assert grid_login.grid.workers.filter(user=grid_login.user, kind="full_time").exists()
    assert get_user_model().objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_without_replace_nothing_changes(seeded):
    before = (Resident.objects.order_by("pk").values_list("id_number", flat=True).first(),
              Resident.objects.count(), Incident.objects.count())
    report = seed("demo", SEED + 1, replace=False)
    assert not report.seeded and "already seeded" in str(report)
    after = (Resident.objects.order_by("pk").values_list("id_number", flat=True).first(),
             Resident.objects.count(), Incident.objects.count())
    assert before == after


def test_unknown_profile_is_a_command_error():
    with pytest.raises(CommandError, match="unknown profile 'town'"):
        call_command(Command(), profile="town")
