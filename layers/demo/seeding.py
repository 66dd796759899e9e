"""The seeding pipeline: generate, (wipe,) COPY, assign spatially, recount, log in, ANALYZE."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.db import connection, transaction

from layers.demo.accounts import ensure_demo_logins
from layers.demo.copyload import copy_table
from layers.demo.dataset import Stopwatch, generate
from layers.demo.profiles import get_profile
from layers.models import Building, Division, Grid, Household, Incident, Resident, Sensor

# Every table of the layers app, children first (TRUNCATE ... CASCADE would find them anyway).
LAYERS_TABLES = ("layers_revealaudit", "layers_profile", "layers_sensorevent", "layers_incident_bin",
                 "layers_incident", "layers_sensor", "layers_resident", "layers_household", "layers_unit",
                 "layers_building", "layers_gridworker", "layers_grid", "layers_division")

# Spatial assignments run in the database after loading (profiles with assign_in_database);
# the city profile takes them from the layout instead (it generates buildings inside known grids).
DATABASE_ASSIGNMENTS = (
    ("buildings → grids", lambda: Building.objects.assign_grids()),
    ("buildings → villages", lambda: Building.objects.assign_villages()),
    ("sensors → buildings", lambda: Sensor.objects.assign_buildings()),
    ("sensors → grids", lambda: Sensor.objects.assign_grids()),
    ("incidents → grids", lambda: Incident.objects.assign_grids()),
    ("incidents → buildings", lambda: Incident.objects.assign_buildings()),
    ("grid figures", lambda: Grid.objects.all().refresh_figures()),
)

COUNTED_MODELS = (Division, Grid, Building, Household, Resident, Sensor, Incident)


@dataclass
class SeedReport:
    profile: str
    seed: int
    seeded: bool  # False: data already there, nothing changed
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0

    def lines(self) -> list[str]:
        if not self.seeded:
            return [f"already seeded ({', '.join(f'{k} {v:,}' for k, v in self.counts.items())}); "
                    "nothing changed — use --replace to reseed"]
        rows = [f"seed_demo profile={self.profile} seed={self.seed}", f"{'model':<14}{'rows':>12}"]
        rows += [f"{name:<14}{count:>12,}" for name, count in self.counts.items()]
        rows += [f"{'stage':<30}{'seconds':>10}"]
        rows += [f"{stage:<30}{seconds:>10.1f}" for stage, seconds in self.timings.items()]
        rows.append(f"{'total':<30}{self.total_seconds:>10.1f}")
        return rows

    def __str__(self) -> str:
        return "\n".join(self.lines())


def current_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def has_data() -> bool:
    return any(model.objects.exists() for model in COUNTED_MODELS)


def wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(LAYERS_TABLES)} RESTART IDENTITY CASCADE")


def assign_in_database(watch: Stopwatch) -> None:
    for name, run in DATABASE_ASSIGNMENTS:
        with watch.stage(f"assign {name}"):
            run()


def analyze() -> None:
    with connection.cursor() as cursor:
        for table in LAYERS_TABLES:
            cursor.execute(f"ANALYZE {table}")


def seed(profile: str, seed: int, replace: bool = False, now: dt.datetime | None = None) -> SeedReport:
    """Generate a profile's district and load it; without replace, leave existing data alone."""
    spec = get_profile(profile)
    started = time.perf_counter()
    if not replace and has_data():
        return SeedReport(profile, seed, False, current_counts())
    watch = Stopwatch()
    dataset = generate(spec, seed, now or dt.datetime.now(dt.UTC), watch)
    with transaction.atomic():
        if replace:
            with watch.stage("wipe"):
                wipe()
        with connection.cursor() as cursor:
            for table in dataset.tables.values():
                with watch.stage(f"copy {table.name.removeprefix('layers_')}"):
                    copy_table(cursor.cursor, table)
        if spec.assign_in_database:
            assign_in_database(watch)
        with watch.stage("demo logins"):
            ensure_demo_logins()
    with watch.stage("analyze"):
        analyze()
    return SeedReport(profile, seed, True, current_counts(), watch.timings, time.perf_counter() - started)
