"""Demo logins, one per role, each with its area (idempotent)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from layers.models import Division, Grid, GridWorker, Profile, Role
from layers.models.divisions import DivisionLevel

DEFAULT_PASSWORD = "demo12345"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    area: str  # "", a division level, or "grid"


DEMO_LOGINS = (
    DemoLogin("admin", Role.ADMIN, ""),
    DemoLogin("county", Role.COUNTY, DivisionLevel.COUNTY),
    DemoLogin("town", Role.TOWN, DivisionLevel.TOWN),
    DemoLogin("village", Role.VILLAGE, DivisionLevel.VILLAGE),
    DemoLogin("grid", Role.GRID_WORKER, "grid"),
    DemoLogin("viewer", Role.VIEWER, DivisionLevel.TOWN),
)


def demo_password() -> str:
    return os.environ.get("GEOGOV_DEMO_PASSWORD") or DEFAULT_PASSWORD


def first_grid() -> Grid:
    return Grid.objects.leaves().filter(level=1).order_by("code").first() or Grid.objects.order_by("code").first()


def area_of(login: DemoLogin) -> dict:
    """Profile fields for a login: the first division of its level, or the first grid."""
    if not login.area:
        return {"division": None, "grid": None}
    if login.area == "grid":
        return {"division": None, "grid": first_grid()}
    return {"division": Division.objects.filter(level=login.area).order_by("code").first(), "grid": None}


def ensure_demo_logins() -> int:
    """Create or update the demo users and their profiles; link the grid worker's account."""
    users = get_user_model().objects
    password = demo_password()
    for login in DEMO_LOGINS:
        user, _ = users.get_or_create(username=login.username)
        user.set_password(password)
        user.is_superuser = user.is_staff = login.role == Role.ADMIN
        user.is_active = True
        user.save()
        Profile.objects.update_or_create(user=user, defaults={"role": login.role, **area_of(login)})
        if login.area == "grid":
            worker = GridWorker.objects.filter(grid=area_of(login)["grid"], kind="full_time").order_by("pk").first()
            if worker is not None:
                GridWorker.objects.filter(user=user).exclude(pk=worker.pk).update(user=None)
                worker.user = user
                worker.save(update_fields=["user"])
    return len(DEMO_LOGINS)
