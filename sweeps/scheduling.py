"""Create the due sweep rounds: for each cadence, one round per division of its level for the period of a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from sweeps.cadence import CADENCES

SQL = (Path(__file__).resolve().parent / "sql" / "schedule_rounds.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Scheduled:
    level: str
    period_start: dt.date
    period_end: dt.date
    rounds: int
    items: int


def schedule(at: dt.date) -> list[Scheduled]:
    """One set-based INSERT per level for the period holding ``at``; rounds that exist are left alone."""
    done = []
    with transaction.atomic(), connection.cursor() as cursor:
        for level, cadence in CADENCES.items():
            start, end = cadence.period(at)
            cursor.execute(SQL, {"level": level, "period_start": start, "period_end": end, "due": end})
            rounds, items = cursor.fetchone()
            done.append(Scheduled(level, start, end, rounds, items))
    return done
