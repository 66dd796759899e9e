"""EXPLAIN ANALYZE every statement the map's search box runs for a query, as a given user.

    manage.py search_explain --user town 唐福帅 6109020012 兴山社区3栋

Prints, per query, each SQL statement's plan summary (execution time, index or sequential scans)
and the total. Read-only: the statements are the SELECTs the search service issues.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import service

SCAN_PATTERN = re.compile(r"((?:Parallel )?(?:Bitmap )?(?:Index Only |Index |Seq )?Scan(?: using| on) \S+)")
TIME_PATTERN = re.compile(r"Execution Time: ([\d.]+) ms")


def explain(sql: str) -> tuple[float, list[str]]:
    """Execution time (ms) and the scan nodes of one statement, from EXPLAIN ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return float(TIME_PATTERN.search(plan).group(1)), sorted(set(SCAN_PATTERN.findall(plan)))


def explain_search(user, query: str, limit: int) -> list[tuple[float, list[str], str]]:
    """(ms, scans, sql) for every statement service.search runs for this query."""
    with CaptureQueriesContext(connection) as captured:
        service.search(user, query, limit)
    return [(*explain(q["sql"]), q["sql"]) for q in captured.captured_queries if q["sql"].startswith("SELECT")]


class Command(BaseCommand):
    help = "EXPLAIN ANALYZE the search box's statements for the given queries"

    def add_arguments(self, parser):
        parser.add_argument("queries", nargs="+")
        parser.add_argument("--user", required=True, help="username whose area scopes the search")
        parser.add_argument("--limit", type=int, default=service.DEFAULT_LIMIT)
        parser.add_argument("--sql", action="store_true", help="print each statement too")

    def handle(self, *args, queries: list[str], user: str, limit: int, sql: bool, **options):
        try:
            account = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user {user!r}") from exc
        for query in queries:
            self.report(account, query, limit, sql)

    def report(self, user, query: str, limit: int, show_sql: bool) -> None:
        statements = explain_search(user, query, limit)
        total = sum(ms for ms, _, _ in statements)
        self.stdout.write(f"{query!r} as {user.get_username()}: {total:.1f} ms in {len(statements)} statements")
        for ms, scans, text in statements:
            self.stdout.write(f"  {ms:8.1f} ms  {'; '.join(scans)}")
            if show_sql:
                self.stdout.write(f"            {text}")
