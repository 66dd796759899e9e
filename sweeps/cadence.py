"""The sweep cadences (排查周期), one row per division level: village weekly, town fortnightly, county monthly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

# Fortnights are counted from this Monday, so every town sweeps on the same fortnight everywhere.
FORTNIGHT_EPOCH = dt.date(2024, 1, 1)


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def fortnight_of(day: dt.date) -> dt.date:
    return FORTNIGHT_EPOCH + dt.timedelta(days=(day - FORTNIGHT_EPOCH).days // 14 * 14)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def after_days(days: int) -> Callable[[dt.date], dt.date]:
    return lambda start: start + dt.timedelta(days=days)


def next_month(start: dt.date) -> dt.date:
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Cadence:
    level: str               # DivisionLevel value
    label: object
    start_of: Callable[[dt.date], dt.date]   # the first day of the period holding a day
    next_start: Callable[[dt.date], dt.date]  # the first day of the following period

    def period(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """(first day, last day) of the period holding ``day``; the last day is the round's due date."""
        start = self.start_of(day)
        return start, self.next_start(start) - dt.timedelta(days=1)


CADENCES = {
    "village": Cadence("village", pgettext_lazy("sweeps", "每周"), week_of, after_days(7)),
    "town": Cadence("town", pgettext_lazy("sweeps", "每两周"), fortnight_of, after_days(14)),
    "county": Cadence("county", pgettext_lazy("sweeps", "每月"), month_of, next_month),
}
# The level whose operators see a level's overdue rounds (the level above).
LEVEL_ABOVE = {"village": "town", "town": "county", "county": None}
