"""The two runs of the intake suite and their rows: a steady run, then a run whose worker is SIGKILLed and
restarted mid-load, checked case by case in the database."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from bench.imports import scratch
from bench.intake import gate, load, server
from bench.report import Row, Stats, percentile


@dataclass(frozen=True)
class Figures:
    cases: int
    acknowledged: int
    attempts: int
    retried: int
    per_second: float  # acknowledged cases per second of wall time
    request_ms: list[float]  # latency of every answered request (201)
    ack_ms: list[float]  # first send → acknowledgement, per case (includes an outage)


def figures(cases: list[load.Case], wall_s: float) -> Figures:
    acked = [c for c in cases if c.code]
    return Figures(len(cases), len(acked), sum(len(c.attempts) for c in cases), sum(c.retried for c in cases),
                   len(acked) / wall_s if wall_s else 0.0,
                   [a.latency_ms for c in cases for a in c.attempts if a.status == 201],
                   [(c.acked_at - c.first_sent) * 1000 for c in acked])


def tails(values: list[float]) -> str:
    return f"p99 {percentile(values, 99):.1f} ms, max {max(values):.1f} ms" if values else "no answers"


def steady_row(spec: load.Load) -> Row:
    cases, wall = load.run(spec)
    f = figures(cases, wall)
    return Row("intake steady", "hotline POST /cases", str(spec.threads), Stats.of(f.request_ms), value=f.per_second,
               gate_ok=f.acknowledged == f.cases,
               note=f"{f.per_second:.1f} cases/s over {wall:.1f} s, {spec.threads} threads; {f.acknowledged}/{f.cases}"
                    f" acknowledged; {tails(f.request_ms)}; value = cases/s")


def crash_rows(spec: load.Load, worker: server.Worker, kill_at_s: float) -> list[Row]:
    outage: dict[str, float] = {}

    def crash() -> None:
        time.sleep(kill_at_s)
        worker.kill()
        outage["killed_at"] = kill_at_s
        outage["restart_s"] = worker.start()

    killer = threading.Thread(target=crash, daemon=True)
    killer.start()
    cases, wall = load.run(spec)
    killer.join()
    f = figures(cases, wall)
    with scratch.using(server.NAME):
        result = gate.check({c.case_no: c.code for c in cases if c.code}, gate.stored_cases(spec.prefix))
    replayed = sum(a.replayed for c in cases for a in c.attempts)
    unanswered = sum(a.status == 0 for c in cases for a in c.attempts)
    return [
        Row("intake kill -9 + restart", "hotline POST /cases", str(spec.threads), Stats.of(f.request_ms),
            value=f.per_second,
            note=f"{f.per_second:.1f} cases/s over {wall:.1f} s incl. the outage (killed at {kill_at_s:.0f} s, "
                 f"restarted in {outage.get('restart_s', float('nan')):.1f} s); ack (first send → 201) "
                 f"p95 {percentile(f.ack_ms, 95):.0f} ms, {tails(f.ack_ms)}"),
        Row("intake crash gate", "case_no once in the DB", str(spec.threads), gate_ok=result.ok and f.retried > 0,
            note=f"sent {f.cases}, attempts {f.attempts}, retried {f.retried} (unanswered {unanswered}, "
                 f"replayed {replayed}), {result.describe()}"),
    ]
