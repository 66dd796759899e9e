"""Getting the benchmark database ready from a clean clone: create it, migrate it, seed the city profile."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from django.conf import settings
from django.core.management import call_command
from psycopg import sql

from layers.models import Building

PROFILE = "city"  # the profile the Performance goals are stated for


def _connect(dbname: str) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(dbname=dbname, user=db["USER"], password=db["PASSWORD"] or None,
                           host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True)


def ensure_database() -> bool:
    """Create the configured database with PostGIS if it does not exist; True when it was created."""
    name = settings.DATABASES["default"]["NAME"]
    with _connect("postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with _connect(name) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return True


def prepare(say: Callable[[str], None], profile: str = PROFILE) -> None:
    """Create, migrate and (when it holds no buildings) seed the database; seeding the city takes minutes."""
    name = settings.DATABASES["default"]["NAME"]
    if ensure_database():
        say(f"created database {name}")
    call_command("migrate", interactive=False, verbosity=0)
    if not Building.objects.exists():
        say(f"database {name} holds no buildings: seeding the {profile} profile (the city takes minutes) …")
        call_command("seed_demo", profile=profile)
