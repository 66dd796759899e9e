"""Contender (1): our importer, ``run_import(kind, commit=True)``, in a child process of its own.

It validates every row (field parsers, duplicate codes, geometry checks and repair, China bounds),
then COPYs into staging and upserts into ``layers_building`` with every constraint of the schema
(code format, valid footprint, floors range), the generated EPSG:3857 column, its GiST and GIN indexes
(into an empty table, as here, built once after the insert: staging.bulk_load) and triggers, and
assigns each building to its leaf grid and village in SQL. The child reports the
seconds of ``run_import`` (Django's start-up left out) and its own peak RSS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from bench.imports import scratch


@dataclass(frozen=True)
class Run:
    seconds: float
    report: dict  # read, accepted, inserted, updated, rejected, assigned, repairs, warnings, peak_rss_mb

    @property
    def peak_rss_mb(self) -> float:
        return self.report["peak_rss_mb"]


def load(kind: str, path: Path, profile: Path | None = None) -> Run:
    env = {**os.environ, "GEOGOV_DATABASE_URL": scratch.url()}
    args = [sys.executable, "-m", "bench.imports.child", kind, str(path)]
    if profile:
        args += ["--profile", str(profile)]
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, check=False)
    if done.returncode:
        raise RuntimeError(f"import_layer {kind} failed: {done.stderr.strip()[-1500:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(report["seconds"], report)
