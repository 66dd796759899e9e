"""Who the tiles suite asks as (a superuser and a town-scoped user), with what sample, under which settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.test import Client
from django.test.utils import override_settings

from bench.sampling import sample_tiles
from layers.models import Building, Role
from layers.models.scoping import area_prefix
from tiles.service import TileCoord

SAMPLE_ZOOMS = range(10, 18)  # the zooms of the endpoint and stored-SQL comparisons
AGGREGATE_ZOOMS = range(8, 14)  # low zooms where the incidents source may aggregate
ZOOMS = sorted({*SAMPLE_ZOOMS, *AGGREGATE_ZOOMS})


@dataclass
class Viewer:
    label: str
    username: str
    client: Client
    prefix: str
    sample: dict[int, list[TileCoord]]


@dataclass
class TilesBench:
    viewers: list[Viewer]  # the superuser first
    samples: int
    repeats: int
    seed: int

    @property
    def admin(self) -> Viewer:
        return self.viewers[0]


@contextmanager
def bench_settings() -> Iterator[None]:
    """Production-like and write-free: DEBUG off, sessions in signed cookies, no last_login update."""
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    engine = "django.contrib.sessions.backends.signed_cookies"
    with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, SESSION_ENGINE=engine):
        disconnected = user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        try:
            yield
        finally:
            if disconnected:
                user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chosen_users() -> list[tuple[str, object]]:
    """The first active superuser and the first town operator (by username), as they exist."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    found = [("superuser", users.filter(is_superuser=True).first()),
             ("town", users.filter(is_superuser=False, profile__role=Role.TOWN).first())]
    return [(label, user) for label, user in found if user is not None]


def build(samples: int, repeats: int, seed: int) -> TilesBench:
    """Log the users in and draw each one's tile sample from the buildings of his area."""
    viewers = []
    for label, user in chosen_users():
        prefix = area_prefix(user)
        if prefix is None:
            continue
        sample = sample_tiles(Building.objects.for_user(user), ZOOMS, samples, seed)
        viewers.append(Viewer(label, user.get_username(), logged_in(user), prefix, sample))
    if not viewers or viewers[0].label != "superuser":
        raise RuntimeError("the tiles benchmark needs an active superuser (seed_demo creates 'admin')")
    return TilesBench(viewers, samples, repeats, seed)
