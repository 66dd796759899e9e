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


REPLAY_SAMPLE = 100  # acknowledged cases of the crash run sent again afterwards


def steady_row(spec: load.Load, csv_path) -> Row:
    cases, wall = load.run(spec)
    load.write_csv(csv_path, cases)
    f = figures(cases, wall)
    with scratch.using(server.NAME):
        result = gate.check({c.case_no: c.code for c in cases if c.code}, gate.stored_cases(spec.prefix))
    return Row("intake steady", "hotline POST /cases", str(spec.threads), Stats.of(f.request_ms), value=f.per_second,
               gate_ok=f.acknowledged == f.cases and result.ok,
               note=f"{f.per_second:.1f} cases/s over {wall:.1f} s, {spec.threads} threads; {f.acknowledged}/{f.cases}"
                    f" acknowledged; {tails(f.request_ms)}; value = cases/s; {result.describe()}")


def replays_ok(answers: list[tuple[str, int, str | None, bool]], acknowledged: dict[str, str]) -> bool:
    """Every resent case answered 201, marked replayed, with the code first acknowledged."""
    return all(status == 201 and replayed and code == acknowledged[case_no]
               for case_no, status, code, replayed in answers)


def crash_rows(spec: load.Load, worker: server.Worker, kill_at_s: tuple[float, ...], csv_path) -> list[Row]:
    restarts: list[float] = []

    def crash() -> None:
        began = time.perf_counter()
        for at in kill_at_s:
            time.sleep(max(0.0, at - (time.perf_counter() - began)))
            worker.kill()
            restarts.append(worker.start())

    killer = threading.Thread(target=crash, daemon=True)
    killer.start()
    cases, wall = load.run(spec)
    killer.join()
    load.write_csv(csv_path, cases)
    f = figures(cases, wall)
    acknowledged = {c.case_no: c.code for c in cases if c.code}
    answers = load.resend(spec, [c for c in cases if c.code][:REPLAY_SAMPLE])
    with scratch.using(server.NAME):
        result = gate.check(acknowledged, gate.stored_cases(spec.prefix))
    replay_ok = replays_ok(answers, acknowledged)
    replayed = sum(a.replayed for c in cases for a in c.attempts)
    unanswered = sum(a.status == 0 for c in cases for a in c.attempts)
    return [
        Row("intake kill -9 + restart", "hotline POST /cases", str(spec.threads), Stats.of(f.request_ms),
            value=f.per_second,
            note=f"{f.per_second:.1f} cases/s over {wall:.1f} s incl. the outages (killed at "
                 f"{', '.join(f'{at:.0f}' for at in kill_at_s)} s, restarted in "
                 f"{', '.join(f'{s:.1f}' for s in restarts)} s); ack (first send → 201) "
                 f"p95 {percentile(f.ack_ms, 95):.0f} ms, {tails(f.ack_ms)}"),
        Row("intake crash gate", "case_no once in the DB", str(spec.threads),
            gate_ok=result.ok and f.retried > 0 and replay_ok and len(restarts) == len(kill_at_s),
            note=f"sent {f.cases}, attempts {f.attempts}, retried {f.retried} (unanswered {unanswered}, "
                 f"replayed {replayed}), {result.describe()}; {len(answers)} acknowledged resent afterwards: "
                 f"{'all replayed, same code' if replay_ok else 'NOT all replayed with the same code'} "
                 f"(counted in the DB after the resend)"),
    ]
