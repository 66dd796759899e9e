"""One core: ``figures(user, area_code, start, end, group_by)`` → the area's figures and its children's.

Three set-based queries whatever the area's size (casefigures/sql/: counts, breakdown, repeats),
each grouped by the children's code prefix with a grand-total grouping set. Every number carries
``cases``: the /api/incidents/ URL whose list is exactly the cases behind it (definitions.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casefigures import areas, definitions
from casefigures.areas import Area
from casefigures.sql import load
from geo_governance.errors import BadInput
from incidents.filters import day_start, parse_day
from layers.api.figures import area_parents

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Whole days, both included, in the project's time zone."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str | dt.date | None, end: str | dt.date | None) -> Period:
        """Default: the DEFAULT_DAYS days up to today."""
        end_day = parse_day("end", end) if isinstance(end, str) else end or timezone.localdate()
        start_day = (parse_day("start", start) if isinstance(start, str)
                     else start or end_day - dt.timedelta(days=DEFAULT_DAYS - 1))
        if start_day > end_day:
            raise BadInput(_("开始日期不能晚于结束日期"), field="start")
        if (end_day - start_day).days >= MAX_DAYS:
            raise BadInput(_("统计时段不能超过%(n)s天") % {"n": MAX_DAYS}, field="start")
        return cls(start_day, end_day)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Half-open [start 00:00, end + 1 day 00:00)."""
        return day_start(self.start), day_start(self.end + dt.timedelta(days=1))

    def filters(self) -> dict[str, str]:
        return {"reported_from": self.start.isoformat(), "reported_to": self.end.isoformat()}

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "basis": "reported_at"}


# Memory for one figures query's sorts and hashes (SET LOCAL: this transaction only); at city scale
# the repeats query's window sorts and cell join spill to disk at the default.
WORK_MEM = "256MB"


def query(name: str, params: dict) -> list[dict]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        cursor.execute(load(name), params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def sql_params(area: Area, length: int | None, period: Period, now: dt.datetime) -> dict:
    start, end = period.bounds()
    return {"prefix": area.prefix, "child_len": length or len(area.prefix) or 1, "period_start": start,
            "period_end": end, "now": now, **definitions.SQL_SETS}


def cases_url(area: Area, period: Period, filters: dict[str, str]) -> str:
    return reverse("incidents:incident-list") + "?" + urlencode({"area": area.code, **period.filters(), **filters})


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def hours(value) -> float | None:
    return None if value is None else round(float(value), 2)


def drill_url(area: Area, period: Period) -> str:
    """The figures of this area's own children."""
    return reverse("casefigures_api:figures") + "?" + urlencode(
        {"area": area.code, "start": period.start.isoformat(), "end": period.end.isoformat()})


def area_row(area: Area, period: Period, counts: dict, breakdown: list[dict], drill: bool) -> dict:
    """One area's figures, each number with the URL of its cases."""
    link = lambda filters: cases_url(area, period, filters)  # noqa: E731
    values = {c.name: counts.get(c.name) or 0 for c in definitions.COUNTS}
    return {
        "code": area.code, "name": area.name, "level": area.level,
        "drill": drill_url(area, period) if drill else None,
        "counts": {c.name: {"value": values[c.name], "cases": link(c.filters)} for c in definitions.COUNTS},
        "rates": {r.name: {"value": rate(values[r.numerator], values[r.denominator]),
                           "numerator": r.numerator, "denominator": r.denominator} for r in definitions.RATES},
        "handling": {**{name: hours(counts.get(name)) for name, _label in definitions.HANDLING},
                     "cases": link(definitions.COUNT_BY_NAME["resolved"].filters)},
        "breakdown": {dimension: [{"value": row["value"], "label": str(labels.get(row["value"], row["value"])),
                                   "count": row["n"], "cases": link({param: row["value"]})}
                                  for row in breakdown if row["dimension"] == dimension]
                      for dimension, (_label, param, labels) in definitions.DIMENSIONS.items()},
    }


def by_child(rows: list[dict]) -> dict[str | None, list[dict]]:
    grouped: dict[str | None, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["child"], []).append(row)
    return grouped


def figures(user, area_code: str | None = None, start: str | dt.date | None = None,
            end: str | dt.date | None = None, group_by: str | None = None, *, now: dt.datetime | None = None) -> dict:
    """The figures of an area (default: the user's) and of its children, for cases reported in the period."""
    area = areas.resolve(user, area_code)
    period = Period.parse(start, end)
    length = areas.child_length(area, group_by)
    params = sql_params(area, length, period, now or timezone.now())
    counts = {row["child"]: row for row in query("counts", params)}
    for row in query("repeats", params):
        counts.setdefault(row["child"], {})["repeat"] = row["repeat"]
    breakdown = by_child(query("breakdown", params))
    children = areas.children(area, length)
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "period": period.as_dict(),
        "group_by": areas.LEVEL_OF_LENGTH.get(length),
        "parents": area_parents(user, area.code) if area.code else [],
        "total": area_row(area, period, counts.get(None, {}), breakdown.get(None, []), False),
        "children": [area_row(child, period, counts.get(child.prefix, {}), breakdown.get(child.prefix, []),
                              areas.child_length(child, None) is not None) for child in children],
    }
