"""Run one suite: time it, print the table, write var/bench/<suite>.json."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from bench import environment
from bench.report import Row, format_table, summary, write_json
from bench.suites import SUITES, SuiteOptions

OUTPUT_DIR = Path(settings.BASE_DIR) / "var" / "bench"


def default_json_path(suite: str) -> Path:
    return OUTPUT_DIR / f"{suite}.json"


def run_suite(name: str, options: SuiteOptions) -> tuple[list[Row], dict]:
    """The suite's rows and the JSON document describing the run."""
    env = environment.facts()
    started = datetime.now(UTC)
    start = time.perf_counter()
    rows = SUITES[name].runner()(options)
    payload = {
        "suite": name,
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - start, 1),
        "options": {"samples": options.samples, "repeats": options.repeats, "seed": options.seed,
                    "only": sorted(options.only)},
        "environment": env,
        "summary": summary(rows),
        "rows": [row.as_dict() for row in rows],
    }
    return rows, payload


def render(rows: list[Row], payload: dict) -> str:
    counts = payload["summary"]
    return "\n".join((
        f"suite {payload['suite']} · {payload['started_at']} · {payload['duration_s']} s · "
        f"samples {payload['options']['samples']}, repeats {payload['options']['repeats']}",
        environment.describe(payload["environment"]),
        "times in ms (median of repeats per item, then p50/p95 over items); sizes in KiB",
        "",
        format_table(rows),
        "",
        f"goals met {counts['goals_met']}, failed {counts['goals_failed']}, n/a {counts['goals_not_applicable']}; "
        f"gates ok {counts['gates_ok']}, failed {counts['gates_failed']}",
    ))


def save(payload: dict, path: Path) -> Path:
    write_json(path, payload)
    return path
