"""The live feed: a dedicated PostgreSQL connection LISTENs on ``geogov_live`` (filled by the
triggers in ``live/sql/live_notify.sql``) and turns each notification the user may see into a
Server-Sent Event.

Each stream owns its own psycopg connection (not Django's: a LISTEN needs a session of its own
that lives as long as the stream) and closes it when the stream ends, after ``max_seconds`` or
when the client goes away (the WSGI server closes the response, which closes the stream; a
vanished client is noticed at the latest at the next keep-alive write).
"""

from __future__ import annotations

import json
import logging
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connection as django_connection
from psycopg import sql

log = logging.getLogger(__name__)

CHANNEL = "geogov_live"
APPLICATION_NAME = "geogov-live"


@dataclass(frozen=True)
class StreamLimits:
    keepalive_seconds: float = 15.0  # a comment line this often keeps proxies from timing out
    max_seconds: float = 600.0  # then the stream ends and EventSource reconnects
    retry_ms: int = 3000  # reconnect hint for EventSource


LIMITS = StreamLimits(keepalive_seconds=settings.LIVE_KEEPALIVE_SECONDS, max_seconds=settings.LIVE_STREAM_SECONDS)
_open_streams: weakref.WeakSet[LiveStream] = weakref.WeakSet()


def visible(message: dict, prefix: str) -> bool:
    """May a user with this area prefix see the message? Messages with no grid: only prefix ''."""
    if prefix == "":
        return True
    grid = message.get("grid")
    return isinstance(grid, str) and grid.startswith(prefix)


def parse(payload: str) -> dict | None:
    """The JSON object a trigger sent, or None for anything else."""
    try:
        message = json.loads(payload)
    except ValueError:
        message = None
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        log.warning("live: ignoring malformed notification %.200r", payload)
        return None
    return message


def sse_event(message: dict) -> str:
    """One Server-Sent Event: ``event: <kind>``, ``id:``, one ``data:`` line of JSON."""
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    return f"event: {message['kind']}\nid: {message.get('id', '')}\ndata: {data}\n\n"


def release_request_connection() -> None:
    """Give back this thread's Django connection while the stream runs (it may run for minutes).

    Only outside a transaction: Django reconnects on the next query. The middleware is done
    with the database by the time the response body is iterated.
    """
    if not django_connection.in_atomic_block:
        django_connection.close()


def listen_connection() -> psycopg.Connection:
    """A new autocommit connection to the default database, LISTENing on the live channel."""
    db = settings.DATABASES["default"]
    params = {"dbname": db.get("NAME"), "user": db.get("USER"), "password": db.get("PASSWORD"),
              "host": db.get("HOST"), "port": db.get("PORT")}
    conn = psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True,
                           application_name=APPLICATION_NAME)
    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
    return conn


def close_all() -> int:
    """Close the connection of every open stream in this process; their loops end at once.

    For test teardown and server shutdown: a stream otherwise notices a vanished client only
    at its next keep-alive write, and an open connection keeps its database from being dropped.
    """
    streams = list(_open_streams)
    for stream in streams:
        stream.close()
    return len(streams)


class LiveStream:
    """Iterable of SSE text chunks for one user's area; ``close()`` always frees the connection.

    Django's StreamingHttpResponse calls ``close()`` when the response is closed, even if the
    iteration never started, so the connection opened here cannot leak.
    """

    def __init__(self, prefix: str, limits: StreamLimits | None = None):
        self.prefix = prefix
        self.limits = limits or LIMITS
        self.closed = False
        self.conn = listen_connection()
        _open_streams.add(self)

    def __iter__(self) -> Iterator[str]:
        return self._events()

    def close(self) -> None:
        self.closed = True
        self.conn.close()
        _open_streams.discard(self)

    def _notifications(self, wait: float) -> list[dict]:
        # Collect, then yield outside: psycopg's notifies() holds the connection lock while it runs.
        batch = list(self.conn.notifies(timeout=wait, stop_after=1))
        return [m for m in map(parse, (n.payload for n in batch)) if m is not None and visible(m, self.prefix)]

    def _events(self) -> Iterator[str]:
        limits = self.limits
        try:
            yield f"retry: {limits.retry_ms}\n: live {self.prefix or '*'}\n\n"
            release_request_connection()
            deadline = time.monotonic() + limits.max_seconds
            last_write = time.monotonic()
            while not self.closed and (now := time.monotonic()) < deadline:
                wait = max(0.0, min(deadline, last_write + limits.keepalive_seconds) - now)
                try:
                    messages = self._notifications(wait)
                except (psycopg.Error, OSError, ValueError):
                    if self.closed:  # closed from another thread (close_all)
                        return
                    raise
                if messages:
                    yield "".join(map(sse_event, messages))
                    last_write = time.monotonic()
                elif time.monotonic() - last_write >= limits.keepalive_seconds:
                    yield ": keep-alive\n\n"
                    last_write = time.monotonic()
        finally:
            self.close()
