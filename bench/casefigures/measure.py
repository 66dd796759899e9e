"""Time figures() for an area and period, check it against the ORM, and explain its three queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from bench.report import Goal, Row, Stats
from bench.timing import timed
from casefigures import areas, service
from casefigures.sql import load
from layers.models import Division, Incident

GOAL = Goal("<=", 10, " s")  # "figures for 3,000,000 cases computed in seconds"
QUERIES = ("counts", "breakdown", "repeats")


@dataclass
class PlanRow(Row):
    """A Row that also carries the query's EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) plan into the JSON."""

    plan: list | None = field(default=None)


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    area: str  # division code, '' = the whole city
    days: int


def last_day() -> dt.date:
    """The local day of the newest case: the demo's periods end there, whenever it was seeded."""
    newest = Incident.objects.aggregate(m=Max("reported_at"))["m"]
    return timezone.localdate(newest) if newest else timezone.localdate()


def cases() -> list[Case]:
    """The whole city, its first county and that county's first town (by code); a year and 30 days."""
    county = Division.objects.filter(level="county").order_by("code").values_list("code", flat=True).first() or ""
    town = (Division.objects.filter(level="town", code__startswith=county[:6]).order_by("code")
            .values_list("code", flat=True).first() or "")
    found = [("city", "city", ""), ("county", f"county {county}", county), ("town", f"town {town}", town)]
    return [Case(f"{key}_{days}d", f"{label}, {days} days", area, days)
            for key, label, area in found for days in (365, 30) if key == "city" or area]


def superuser():
    user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("username").first()
    if user is None:
        raise RuntimeError("the figures suite needs a superuser (seed_demo creates one)")
    return user


def explain(name: str, params: dict) -> list:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [service.WORK_MEM])
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + load(name), params)
        return cursor.fetchone()[0]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def plan_summary(plan: list) -> str:
    """One line: the scan nodes (with index names), shared buffers hit/read, and the executor's own time."""
    top = plan[0]["Plan"]
    scans = []
    for node in nodes(top):
        if "Scan" in node["Node Type"]:
            what = f"{node['Node Type']} {node.get('Index Name') or node.get('Relation Name') or ''}".strip()
            if what not in scans:
                scans.append(what)
    return (f"{plan[0]['Execution Time']:.0f} ms; {', '.join(scans)}; shared hit {top.get('Shared Hit Blocks', 0):,}"
            f" read {top.get('Shared Read Blocks', 0):,}")


def gate(data: dict, period: service.Period, prefix: str) -> tuple[bool, str]:
    """Total = the ORM count of the cases reported in the period with a grid under the prefix; children add up."""
    start, end = period.bounds()
    orm = Incident.objects.filter(grid__code__startswith=prefix, reported_at__gte=start, reported_at__lt=end).count()
    total = data["total"]["counts"]["total"]["value"]
    children = sum(c["counts"]["total"]["value"] for c in data["children"])
    return total == orm == children, f"total {total:,}, ORM {orm:,}, children {children:,}"


def run(case: Case, repeats: int) -> list[Row]:
    user = superuser()
    end = last_day()
    start = end - dt.timedelta(days=case.days - 1)
    result = timed(lambda: service.figures(user, case.area, start, end), repeats)
    data = result.result
    area = areas.resolve(user, case.area)
    period = service.Period(start, end)
    ok, checked = gate(data, period, area.prefix)
    params = service.sql_params(area, areas.child_length(area, None), period, timezone.now())
    seconds = result.ms / 1000
    total = data["total"]
    note = (f"{start}..{end}: {checked}; {len(data['children'])} areas by {data['group_by']}; "
            f"resolved {total['rates']['resolution_rate']['value']}, on time {total['rates']['on_time_rate']['value']}"
            f", disputes {total['rates']['dispute_rate']['value']}, p90 {total['handling']['p90_hours']} h, "
            f"overdue {total['counts']['overdue']['value']:,}, repeat {total['counts']['repeat']['value']:,}")
    rows: list[Row] = [PlanRow("figures", case.label, "", Stats.of([result.ms]), None, seconds, GOAL, ok, note=note)]
    for name in QUERIES:
        plan = explain(name, params)
        rows.append(PlanRow("figures plan", f"{case.label}: {name}.sql", "", Stats.of([plan[0]["Execution Time"]]),
                            note=plan_summary(plan), plan=plan))
    return rows
