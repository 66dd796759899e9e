"""The intake load benchmark's gate (duplicates / lost by case_no) and its generator's retry with the same key."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.gis.geos import Point

from bench.intake import gate, load, measure
from incidents import intake
from tests.conftest import District


def test_every_acknowledged_case_once_passes():
    result = gate.check({"K-1": "SJ1", "K-2": "SJ2"}, [("K-1", "SJ1"), ("K-2", "SJ2")])
    assert (result.ok, result.acknowledged, result.stored) == (True, 2, 2)
    assert result.duplicates == result.lost == result.unacknowledged == frozenset()


def test_a_case_no_stored_twice_is_a_duplicate():
    result = gate.check({"K-1": "SJ1", "K-2": "SJ2"}, [("K-1", "SJ1"), ("K-2", "SJ2"), ("K-2", "SJ3")])
    assert (result.ok, result.duplicates, result.lost) == (False, frozenset({"K-2"}), frozenset())
    assert result.describe() == "acknowledged 2, in DB 3, duplicates 1, lost 0, stored unacknowledged 0"


def test_an_acknowledged_case_missing_or_under_another_code_is_lost():
    result = gate.check({"K-1": "SJ1", "K-2": "SJ2", "K-3": "SJ3"}, [("K-1", "SJ1"), ("K-3", "SJ9")])
    assert (result.ok, result.lost, result.duplicates) == (False, frozenset({"K-2", "K-3"}), frozenset())


def test_a_stored_case_never_acknowledged_is_reported_but_not_a_failure():
    result = gate.check({"K-1": "SJ1"}, [("K-1", "SJ1"), ("K-2", "SJ2")])
    assert (result.ok, result.unacknowledged) == (True, frozenset({"K-2"}))


def test_figures_count_cases_attempts_retries_and_rate():
    cases = [load.Case("K-1", [load.Attempt(0.0, 0, 5.0), load.Attempt(0.2, 201, 10.0)], "SJ1", 0.21),
             load.Case("K-2", [load.Attempt(0.1, 201, 20.0)], "SJ2", 0.12),
             load.Case("K-3", [load.Attempt(0.3, 0, 1.0)])]
    f = measure.figures(cases, 2.0)
    assert (f.cases, f.acknowledged, f.attempts, f.retried, f.per_second) == (3, 2, 4, 1, 1.0)
    assert f.request_ms == [10.0, 20.0]
    assert [round(ms) for ms in f.ack_ms] == [210, 20]


def hotline_case(case_no: str, point: Point, key: str | None) -> str:
    return intake.register("hotline", title=f"压测 {case_no}", category="市政设施", location=point,
                           idempotency_key=key, extra={"case_no": case_no}, client="api:bench").incident.code


def test_stored_cases_reads_case_numbers_of_the_prefix_from_the_database(district: District):
    first = hotline_case("K_1-0000001", Point(114.07, 30.1, srid=4326), "case_no:K_1-0000001")
    second = hotline_case("K_1-0000002", Point(114.12, 30.08, srid=4326), "case_no:K_1-0000002")
    hotline_case("KX1-0000003", Point(114.13, 30.09, srid=4326), "case_no:KX1-0000003")  # '_' is no wildcard
    again = hotline_case("K_1-0000001", Point(114.07, 30.1, srid=4326), "case_no:K_1-0000001")  # a retry
    assert again == first
    stored = gate.stored_cases("K_1")
    assert sorted(stored) == [("K_1-0000001", first), ("K_1-0000002", second)]
    twice = hotline_case("K_1-0000002", Point(114.12, 30.08, srid=4326), None)  # no key: a second case
    result = gate.check({"K_1-0000001": first, "K_1-0000002": second}, gate.stored_cases("K_1"))
    assert twice != second and result.duplicates == frozenset({"K_1-0000002"}) and not result.ok


class FlakyHotline(BaseHTTPRequestHandler):
    """Cuts the connection on the first request of each case_no without answering, then acknowledges it."""

    seen: dict[str, int] = {}
    lock = threading.Lock()
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        case_no = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["case_no"]
        with self.lock:
            n = self.seen[case_no] = self.seen.get(case_no, 0) + 1
        if n == 1:
            self.close_connection = True
            return
        body = json.dumps({"code": f"SJ-{case_no}"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def flaky_port():
    FlakyHotline.seen = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHotline)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_a_cut_request_is_sent_again_with_the_same_case_no_until_acknowledged(flaky_port):
    spec = load.Load(flaky_port, "t", [(114.07, 30.1)], "K9", threads=2, duration_s=60.0, max_cases=6)
    cases, _wall = load.run(spec)
    assert [c.case_no for c in cases] == [f"K9-{n:07d}" for n in range(6)]
    assert [[a.status for a in c.attempts] for c in cases] == [[0, 201]] * 6
    assert [c.code for c in cases] == [f"SJ-K9-{n:07d}" for n in range(6)]
    assert FlakyHotline.seen == {f"K9-{n:07d}": 2 for n in range(6)}
