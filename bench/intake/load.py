"""The load generator: threads, each with its own keep-alive ``http.client`` connection to the loopback worker,
filing 12345 hotline cases with unique ``case_no`` (the hotline's idempotency key) until the time is up.

A case is sent again with the SAME case_no after a cut connection, a timeout or a 5xx, until the worker
acknowledges it (201 with a case code) or ``retry_for_s`` has passed; every attempt is recorded.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from dataclasses import dataclass, field

CATEGORIES = ("环境卫生", "市政设施", "噪音扰民", "邻里纠纷", "安全隐患")
PATH = "/api/hotline/v1/cases"
TITLE_PREFIX = "12345 压测 "  # bench.intake.server deletes the cases of earlier runs by it
TIMEOUT_S = 15.0
BACKOFF_S = 0.1


@dataclass
class Attempt:
    sent: float  # seconds since the load began
    status: int  # HTTP status; 0 = no answer (refused, cut, timed out)
    latency_ms: float
    replayed: bool = False
    code: str | None = None  # the case code of the answer, if it had one
    body: bytes = b""  # the answer when a 201 came without a code (for the CSV)


@dataclass
class Case:
    case_no: str
    attempts: list[Attempt] = field(default_factory=list)
    code: str | None = None  # the acknowledged case code
    acked_at: float | None = None

    @property
    def first_sent(self) -> float:
        return self.attempts[0].sent

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1


@dataclass(frozen=True)
class Load:
    port: int
    token: str
    points: list[tuple[float, float]]
    prefix: str  # case_no prefix of this run
    threads: int = 8
    duration_s: float = 20.0  # no new case is started after this
    max_cases: int = 100_000
    retry_for_s: float = 60.0


def body(load: Load, n: int, case_no: str) -> bytes:
    lon, lat = load.points[n % len(load.points)]
    return json.dumps({"case_no": case_no, "title": f"{TITLE_PREFIX}{case_no}",
                       "category": CATEGORIES[n % len(CATEGORIES)], "description": "loopback load benchmark",
                       "lon": lon, "lat": lat,
                       "caller": {"name": "压测", "phone": "12345"}}, ensure_ascii=False).encode()


class Client:
    """One keep-alive connection, reopened after any failure."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.conn: http.client.HTTPConnection | None = None
        self.headers = {"Authorization": f"Bearer {load.token}", "Content-Type": "application/json"}

    def post(self, payload: bytes) -> tuple[int, dict | None, bool, bytes]:
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.load.port, timeout=TIMEOUT_S)
            self.conn.request("POST", PATH, payload, self.headers)
            response = self.conn.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            answer = json.loads(data) if response.status < 500 and data else None
            return response.status, answer, response.getheader("Idempotent-Replayed") == "true", data
        except (OSError, http.client.HTTPException, ValueError):
            self.close()
            return 0, None, False, b""

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def file_case(client: Client, load: Load, n: int, began: float) -> Case:
    """Send case n until acknowledged, refused for good (4xx) or out of retry time."""
    case = Case(f"{load.prefix}-{n:07d}")
    payload = body(load, n, case.case_no)
    while True:
        sent = time.perf_counter()
        status, answer, replayed, data = client.post(payload)
        done = time.perf_counter()
        code = answer.get("code") if isinstance(answer, dict) else None
        case.attempts.append(Attempt(sent - began, status, (done - sent) * 1000, replayed, code,
                                     data[:200] if status == 201 and not code else b""))
        if status == 201 and code:
            case.code, case.acked_at = answer["code"], done - began
            return case
        if 400 <= status < 500 or done - began - case.first_sent > load.retry_for_s:
            return case
        time.sleep(BACKOFF_S)


def run(load: Load) -> tuple[list[Case], float]:
    """All cases of the run and its wall time in seconds (until the last case settled)."""
    counter = itertools.count()
    lock = threading.Lock()
    cases: list[Case] = []
    began = time.perf_counter()

    def worker() -> None:
        client = Client(load)
        try:
            while time.perf_counter() - began < load.duration_s:
                with lock:
                    n = next(counter)
                if n >= load.max_cases:
                    return
                case = file_case(client, load, n, began)
                with lock:
                    cases.append(case)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(load.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(cases, key=lambda c: c.case_no), time.perf_counter() - began


def resend(load: Load, cases: list[Case]) -> list[tuple[str, int, str | None, bool]]:
    """Send acknowledged cases once more, same case_no: (case_no, status, code, replayed) of each answer."""
    client = Client(load)
    answers = []
    try:
        for case in cases:
            n = int(case.case_no.rsplit("-", 1)[1])
            status, answer, replayed, _data = client.post(body(load, n, case.case_no))
            answers.append((case.case_no, status, (answer or {}).get("code"), replayed))
    finally:
        client.close()
    return answers


def write_csv(path, cases: list[Case]) -> None:
    """One line per request: case_no, attempt, sent (s), status, latency (ms), replayed, acknowledged code."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(("case_no", "attempt", "sent_s", "status", "latency_ms", "replayed", "code", "body"))
        for case in cases:
            for i, a in enumerate(case.attempts, 1):
                writer.writerow((case.case_no, i, f"{a.sent:.4f}", a.status, f"{a.latency_ms:.2f}", int(a.replayed),
                                 a.code or "", a.body.decode("utf-8", "replace")))
