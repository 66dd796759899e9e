"""manage.py bench [--suite tiles] [--samples N] [--repeats N] [--json PATH] [--only a,b] [--prepare]."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bench.runner import default_json_path, render, run_suite, save
from bench.suites import SUITES, SuiteOptions


class Command(BaseCommand):
    help = "Run a benchmark suite on the configured database; print a table and write var/bench/<suite>.json."
    requires_system_checks = []  # --prepare may have to create the database first

    def add_arguments(self, parser) -> None:
        parser.add_argument("--suite", default="tiles", choices=sorted(SUITES))
        parser.add_argument("--samples", type=int, default=SuiteOptions.samples, help="tiles per zoom")
        parser.add_argument("--repeats", type=int, default=SuiteOptions.repeats, help="timed runs (median kept)")
        parser.add_argument("--seed", type=int, default=SuiteOptions.seed)
        parser.add_argument("--only", default="", help="comma-separated measurement keys, e.g. a,b")
        parser.add_argument("--json", dest="json_path", help="where to write the JSON (default var/bench/<suite>.json)")
        parser.add_argument("--prepare", action="store_true",
                            help="create, migrate and, when it holds no buildings, seed the database first")
        parser.add_argument("--seed-profile", default="city", help="the seed_demo profile --prepare loads")

    def handle(self, *args, suite: str, samples: int, repeats: int, seed: int, only: str, json_path: str | None,
               prepare: bool, seed_profile: str, **options) -> None:
        if samples < 1 or repeats < 1:
            raise CommandError("--samples and --repeats must be at least 1")
        if prepare:
            from bench.database import prepare as prepare_database

            prepare_database(self.stderr.write, seed_profile)
        opts = SuiteOptions(samples, repeats, seed, frozenset(k.strip() for k in only.split(",") if k.strip()),
                            progress=self.stderr.write)
        rows, payload = run_suite(suite, opts)
        self.stdout.write(render(rows, payload))
        path = save(payload, Path(json_path) if json_path else default_json_path(suite))
        self.stdout.write(f"JSON: {path}")
