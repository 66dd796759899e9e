"""The web worker under load: a separate ``manage.py runserver --noreload`` process on 127.0.0.1 against the
scratch database ``geogov_intake_bench`` (created, migrated and seeded with the demo street once).

No WSGI server is installed in the venv, so Django's threaded development server is the worker; it is one
process, so ``kill()`` (SIGKILL) takes the whole worker down at once, mid-request.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.imports import scratch
from bench.intake.load import TITLE_PREFIX

NAME = "geogov_intake_bench"
READY_TIMEOUT_S = 60.0
CLIENT_PREFIX = "loadbench-"


def prepare(say) -> None:
    """Create and migrate the scratch database; seed the demo street when it holds no buildings."""
    from layers.models import Building

    if _create():
        say(f"created scratch database {NAME}")
    with scratch.using(NAME):
        call_command("migrate", interactive=False, verbosity=0)
        if not Building.objects.exists():
            say(f"seeding the demo profile into {NAME} …")
            call_command("seed_demo", profile="demo", verbosity=0)


def forget_earlier_runs() -> int:
    """Delete the cases and clients of earlier runs (each run starts on the seeded street only); cases deleted."""
    from incidents.models import ApiClient
    from layers.models.incidents import Incident

    with scratch.using(NAME):
        deleted = Incident.objects.filter(source="hotline", title__startswith=TITLE_PREFIX).delete()[1]
        ApiClient.objects.filter(name__startswith=CLIENT_PREFIX).delete()
    return deleted.get("layers.Incident", 0)


def _create() -> bool:
    from psycopg import sql

    with scratch._server("postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (NAME,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(NAME)))
    with scratch._server(NAME) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return True


def issue_token(run_id: str) -> str:
    """A new 12345 hotline client for this run (``manage.py intake_client add``); its token."""
    from io import StringIO

    out = StringIO()
    with scratch.using(NAME):
        call_command("intake_client", "add", f"{CLIENT_PREFIX}{run_id}", channel="hotline", stdout=out)
    return out.getvalue().rsplit("token:", 1)[1].strip()


def sample_points(n: int) -> list[tuple[float, float]]:
    """Points on the surface of n buildings of the demo street (cycled by the load)."""
    with scratch.using(NAME), connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(footprint) AS p FROM layers_building "
                       "ORDER BY id LIMIT %s) AS b", [n])
        return [(round(x, 7), round(y, 7)) for x, y in cursor.fetchall()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """One runserver process at a time on a fixed port; ``kill`` then ``start`` is the crash and the restart."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start the worker and wait until it answers /healthz; seconds it took."""
        began = time.perf_counter()
        env = {**os.environ, "GEOGOV_DATABASE_URL": scratch.url(NAME), "GEOGOV_DEBUG": "0",
               "GEOGOV_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "runserver", "--noreload",
                 f"127.0.0.1:{self.port}"], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        self._wait_ready(began)
        return time.perf_counter() - began

    def _wait_ready(self, began: float) -> None:
        import http.client

        while time.perf_counter() - began < READY_TIMEOUT_S:
            if self.process.poll() is not None:
                raise RuntimeError(f"the intake worker exited with {self.process.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the intake worker did not answer /healthz in {READY_TIMEOUT_S:.0f} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, requests in flight are cut."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running(port: int, log: Path) -> Iterator[Worker]:
    """A started worker, always stopped on the way out."""
    worker = Worker(port, log)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
