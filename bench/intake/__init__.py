"""The intake suite (issue 5's Performance section): 12345 hotline cases filed on loopback against a separate
web worker (``runserver --noreload`` on the scratch database ``geogov_intake_bench``, demo street).

Two runs: a steady one (sustained cases/s, latency p50/p95/p99), and one whose worker is killed with SIGKILL
mid-load and restarted; the generator sends unacknowledged cases again with the same case_no, and the
gate checks in the database that every acknowledged case is there exactly once (no duplicate, none lost),
and 100 acknowledged cases sent again afterwards are answered as replays with their first code.
Every request is written to var/bench/intake-steady.csv and intake-crash.csv; the worker's log to
intake-server.log. The environment line of the table describes the configured database, not the scratch one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.report import Row
    from bench.suites import SuiteOptions

THREADS = 8
SECONDS = 20.0
KILL_AT_S = (6.0, 13.0)  # two kills -9 of the worker, each followed by a restart
POINTS = 200


def run(options: SuiteOptions) -> list[Row]:
    import time
    from pathlib import Path

    from django.conf import settings

    from bench.intake import load, measure, server

    say = options.progress
    server.prepare(say)
    say(f"intake: {server.forget_earlier_runs()} cases of earlier runs deleted from {server.NAME}")
    run_id = f"{int(time.time())}"
    token = server.issue_token(run_id)
    points = server.sample_points(POINTS)
    port = server.free_port()
    log = Path(settings.BASE_DIR) / "var" / "bench" / "intake-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    with server.running(port, log) as worker:
        if not options.only or "steady" in options.only:
            say(f"intake: steady load, {THREADS} threads, {SECONDS:.0f} s on 127.0.0.1:{port} …")
            rows.append(measure.steady_row(load.Load(port, token, points, f"S{run_id}", THREADS, SECONDS),
                                           log.with_name("intake-steady.csv")))
        if not options.only or "crash" in options.only:
            say(f"intake: load with kill -9 of the worker at {KILL_AT_S} s, each followed by a restart …")
            rows += measure.crash_rows(load.Load(port, token, points, f"K{run_id}", THREADS, SECONDS), worker,
                                       KILL_AT_S, log.with_name("intake-crash.csv"))
    return rows
