"""Shared fixtures: a tiny hand-built district, built through the ORM on the real PostGIS.

    county 420102 (114.00–114.40, 30.00–30.20)
    ├── town 420102001 (west half) → village 420102001001 → grids …001001001 (west), …001001002 (east)
    └── town 420102002 (east half) → village 420102002001 → grid …002001001

Buildings: b1 inside grid 1, b2 straddling grids 1 and 2 (most of it in grid 2), b3 in the east town.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import MultiPolygon, Polygon
from rest_framework.test import APIClient

from layers.idnumber import check_char
from layers.models import (
    Building,
    Division,
    Grid,
    GridWorker,
    Household,
    Profile,
    Resident,
    Role,
    Tier,
    Unit,
)

PASSWORD = "test-pass-123"
_serial = count(1)


def box(minx: float, miny: float, maxx: float, maxy: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((minx, miny, maxx, maxy)), srid=4326)


def make_id_number(region: str, born: dt.date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def make_phone() -> str:
    return f"139{next(_serial):08d}"


@dataclass
class District:
    county: Division
    town1: Division
    town2: Division
    village1: Division
    village2: Division
    grid11: Grid
    grid12: Grid
    grid21: Grid
    b1: Building
    b2: Building
    b3: Building
    residents: list[Resident] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    def client(self, username: str) -> APIClient:
        client = APIClient()
        client.force_login(self.users[username])
        return client


def add_household(building: Building, unit: Unit | None, room: str, tier: str,
                  people: list[tuple[str, str, dt.date, list[str]]]) -> list[Resident]:
    household = Household.objects.create(code=f"{building.code}-{unit.number if unit else 0}-{room}",
                                         building=building, unit=unit, floor=int(room[0]), room=room, tier=tier)
    region = building.village.code[:6]
    return [Resident.objects.create(household=household, name=name, sex=sex, birth_date=born,
                                    id_number=make_id_number(region, born, next(_serial) % 1000),
                                    phone=make_phone(), care_tags=tags)
            for name, sex, born, tags in people]


def add_user(username: str, role: str | None, area: Division | Grid | None = None, **flags) -> User:
    user = User.objects.create_user(username, password=PASSWORD, **flags)
    if role is not None:
        Profile.objects.create(user=user, role=role, division=area if isinstance(area, Division) else None,
                               grid=area if isinstance(area, Grid) else None)
    return user


def build_district() -> District:
    county = Division.objects.create(code="420102000000", name="测试区", level="county",
                                     boundary=box(114.00, 30.00, 114.40, 30.20))
    town1 = Division.objects.create(code="420102001000", name="西街道", level="town", parent=county,
                                    boundary=box(114.00, 30.00, 114.20, 30.20))
    town2 = Division.objects.create(code="420102002000", name="东街道", level="town", parent=county,
                                    boundary=box(114.20, 30.00, 114.40, 30.20))
    village1 = Division.objects.create(code="420102001001", name="西一社区", level="village", parent=town1,
                                       boundary=box(114.05, 30.05, 114.15, 30.15))
    village2 = Division.objects.create(code="420102002001", name="东一社区", level="village", parent=town2,
                                       boundary=box(114.25, 30.05, 114.35, 30.15))
    grid11 = Grid.objects.create(code="420102001001001", name="西一第一网格", level=1, division=village1,
                                 boundary=box(114.05, 30.05, 114.10, 30.15))
    grid12 = Grid.objects.create(code="420102001001002", name="西一第二网格", level=1, division=village1,
                                 boundary=box(114.10, 30.05, 114.15, 30.15))
    grid21 = Grid.objects.create(code="420102002001001", name="东一第一网格", level=1, division=village2,
                                 boundary=box(114.25, 30.05, 114.35, 30.15))
    GridWorker.objects.create(grid=grid11, name="王网格", phone="13700000011")
    GridWorker.objects.create(grid=grid21, name="李网格", phone="13700000021")

    b1 = Building.objects.create(code="B1", address="西一路1号", village=village1,
                                 footprint=box(114.070, 30.100, 114.071, 30.101), floors=6)
    b2 = Building.objects.create(code="B2", address="西一路2号", village=village1,
                                 footprint=box(114.0998, 30.100, 114.1008, 30.1005), floors=3)
    b3 = Building.objects.create(code="B3", address="东一路1号", village=village2,
                                 footprint=box(114.300, 30.100, 114.301, 30.101), floors=4)
    Building.objects.assign_grids()
    for building in (b1, b2, b3):
        building.refresh_from_db()

    residents: list[Resident] = []
    u1 = Unit.objects.create(building=b1, number=1)
    residents += add_household(b1, u1, "101", Tier.GREEN, [
        ("张三", "M", dt.date(1980, 5, 1), []),
        ("李四", "F", dt.date(1982, 7, 9), []),
        ("张小", "M", dt.date(2015, 1, 20), ["left_behind"]),
    ])
    residents += add_household(b1, u1, "201", Tier.RED, [("赵老", "F", dt.date(1938, 3, 3), ["elderly_alone"])])
    residents += add_household(b2, None, "101", Tier.YELLOW, [
        ("钱五", "M", dt.date(1960, 12, 31), ["disabled", "subsidy"]),
    ])
    residents += add_household(b3, Unit.objects.create(building=b3, number=1), "301", Tier.GREEN, [
        ("孙六", "F", dt.date(1995, 2, 28), []),
        ("周七", "M", dt.date(1990, 6, 15), []),
    ])
    Grid.objects.refresh_figures()

    users = {
        "admin": add_user("admin", None, is_superuser=True, is_staff=True),
        "county": add_user("county", Role.COUNTY, county),
        "town1": add_user("town1", Role.TOWN, town1),
        "town2": add_user("town2", Role.TOWN, town2),
        "village1": add_user("village1", Role.VILLAGE, village1),
        "worker11": add_user("worker11", Role.GRID_WORKER, grid11),
        "viewer1": add_user("viewer1", Role.VIEWER, town1),
        "nobody": add_user("nobody", None),
    }
    return District(county, town1, town2, village1, village2, grid11, grid12, grid21, b1, b2, b3,
                    residents, users)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """PBKDF2's many rounds cost seconds per fixture; tests need no strong hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def district(db) -> District:
    return build_district()


@pytest.fixture
def api(district: District):
    """api("town1") → an APIClient logged in as that fixture user."""
    return district.client


@pytest.fixture
def page(live_server):
    """A Playwright page in Debian's headless Chromium; ``page.errors`` collects uncaught JS errors."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    # Playwright's sync API runs an event loop; Django must allow ORM calls from this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        browser.close()
    # the page's live feed (/live/events/) holds a LISTEN connection until the stream notices; end it now
    from live.stream import close_all

    close_all()
