"""Working days and deadlines: weekends off, holidays and make-up working days (调休) from data.

A period counts as the Civil Code counts days (民法典 第二百零一条、第二百零三条): the starting day is
not counted, and the period ends at 24:00 of its last day, here the last working day; we store
23:59:59 local time so the deadline shows on the right date.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils import timezone

SHIPPED_CALENDAR = Path(__file__).resolve().parent / "data" / "calendar_cn.csv"
END_OF_DAY = dt.time(23, 59, 59)


@dataclass(frozen=True)
class DeadlineRule:
    """Working days allowed for a category (its path or a leading part of it) at a level (None: any level)."""

    category: str
    level: str | None
    working_days: int


URGENT, ORDINARY, COMPLEX = 1, 5, 15

# Most specific first wins: a longer category prefix beats a shorter one, a named level beats None.
DEADLINE_RULES = (
    DeadlineRule("安全隐患", None, URGENT),
    DeadlineRule("环境卫生", None, 2),
    DeadlineRule("公共设施/井盖破损", None, URGENT),
    DeadlineRule("城市管理/违章搭建", None, COMPLEX),
    DeadlineRule("矛盾纠纷", "grid", ORDINARY),
    DeadlineRule("矛盾纠纷", "village", 10),
    DeadlineRule("矛盾纠纷", None, COMPLEX),
    DeadlineRule("民生服务", None, COMPLEX),
    DeadlineRule("", None, ORDINARY),
)


def working_days_for(category: str, level: str | None) -> int:
    """The working days a case of this category gets at this level (the most specific rule)."""
    def matches(rule: DeadlineRule) -> bool:
        prefix_ok = category == rule.category or category.startswith(rule.category + "/") or not rule.category
        return prefix_ok and rule.level in (None, level)

    best = max((r for r in DEADLINE_RULES if matches(r)), key=lambda r: (len(r.category), r.level is not None))
    return best.working_days


@lru_cache(maxsize=1)
def shipped_exceptions() -> dict[dt.date, bool]:
    """Date → working? for the official holidays and make-up days in the shipped file."""
    lines = [line for line in SHIPPED_CALENDAR.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {dt.date.fromisoformat(row["date"]): row["working"] == "1" for row in csv.DictReader(lines)}


def exceptions_between(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    """The shipped exceptions overlaid with the local CalendarDay rows, for first..last (one query)."""
    from incidents.models import CalendarDay

    days = {day: working for day, working in shipped_exceptions().items() if first <= day <= last}
    days.update(CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "working"))
    return days


def is_working_day(day: dt.date, exceptions: dict[dt.date, bool]) -> bool:
    return exceptions.get(day, day.weekday() < 5)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 1:
        raise ValueError("days must be positive")
    window = days * 2 + 30  # the longest run of days off (春节 + weekends) is 9 days
    first = start + dt.timedelta(days=1)
    while True:
        exceptions = exceptions_between(first, first + dt.timedelta(days=window))
        for offset in range(window + 1):
            day = first + dt.timedelta(days=offset)
            if is_working_day(day, exceptions):
                days -= 1
                if days == 0:
                    return day
        first += dt.timedelta(days=window + 1)


def deadline_after(start: dt.datetime, working_days: int) -> dt.datetime:
    """End (23:59:59 local) of the ``working_days``-th working day after the day of ``start``."""
    local = timezone.localtime(start)
    last = add_working_days(local.date(), working_days)
    return timezone.make_aware(dt.datetime.combine(last, END_OF_DAY), local.tzinfo)


def deadline_for(category: str, level: str | None, start: dt.datetime) -> dt.datetime:
    return deadline_after(start, working_days_for(category, level))
