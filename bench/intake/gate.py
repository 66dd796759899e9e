"""The correctness gate of a crash run: every acknowledged case is in the database exactly once, with the code
the worker acknowledged; a case_no found twice is a duplicate, an acknowledged one missing (or another code) lost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection

# Incidents filed by the hotline with their case_no, as the first ('report') transition recorded it.
STORED_SQL = """
SELECT t.data -> 'extra' ->> 'case_no' AS case_no, i.code
  FROM incidents_incidenttransition AS t
  JOIN layers_incident AS i ON i.id = t.incident_id
 WHERE t.action = 'report' AND i.source = 'hotline' AND t.data -> 'extra' ->> 'case_no' LIKE %(prefix)s
"""


@dataclass(frozen=True)
class GateResult:
    acknowledged: int
    stored: int  # incidents in the database with this run's case numbers
    duplicates: frozenset[str]  # case_no stored more than once
    lost: frozenset[str]  # acknowledged, but not stored (or stored under another code)
    unacknowledged: frozenset[str]  # stored once, never acknowledged (the client gave up): not a failure

    @property
    def ok(self) -> bool:
        return not self.duplicates and not self.lost

    def describe(self) -> str:
        return (f"acknowledged {self.acknowledged}, in DB {self.stored}, duplicates {len(self.duplicates)}, "
                f"lost {len(self.lost)}, stored unacknowledged {len(self.unacknowledged)}")


def check(acknowledged: Mapping[str, str], stored: Iterable[tuple[str, str]]) -> GateResult:
    """acknowledged: case_no → acknowledged code; stored: (case_no, code) of every incident in the database."""
    stored = list(stored)
    counts = Counter(case_no for case_no, _code in stored)
    codes = {case_no: code for case_no, code in stored}
    duplicates = frozenset(case_no for case_no, n in counts.items() if n > 1)
    lost = frozenset(case_no for case_no, code in acknowledged.items()
                     if counts[case_no] == 0 or (counts[case_no] == 1 and codes[case_no] != code))
    unacknowledged = frozenset(counts) - frozenset(acknowledged) - duplicates
    return GateResult(len(acknowledged), len(stored), duplicates, lost, unacknowledged)


def stored_cases(prefix: str) -> list[tuple[str, str]]:
    """(case_no, code) of the incidents whose case_no starts with prefix (on Django's current connection)."""
    with connection.cursor() as cursor:
        cursor.execute(STORED_SQL, {"prefix": prefix.replace("%", r"\%").replace("_", r"\_") + "%"})
        return cursor.fetchall()
