"""manage.py seed_demo --profile demo|city --seed N [--replace]."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from layers.demo.profiles import PROFILES

DEFAULT_SEED = 20240601


class Command(BaseCommand):
    help = "Generate and load a deterministic demo district (demo: one street; city: a prefecture city)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--profile", default="demo", help=f"one of: {', '.join(PROFILES)}")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--replace", action="store_true", help="wipe the layers data first")

    def handle(self, *args, profile: str, seed: int, replace: bool, **options) -> None:
        if profile not in PROFILES:
            raise CommandError(f"unknown profile {profile!r}; choose one of: {', '.join(PROFILES)}")
        from layers.demo import seed as seed_district

        report = seed_district(profile, seed, replace)
        self.stdout.write(str(report))
