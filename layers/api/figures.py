"""Area figures (网格/区划概况) and the 大屏 summary: a fixed number of aggregate queries, whatever the area's size.

Households, residents and tiers come from the grids' cached columns (``Grid.objects.refresh_figures``),
summed over the area's root grids; the age structure, care tags, incidents and sensors are counted
live, each in one aggregate query.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from layers.models import (
    Building,
    CareTag,
    Division,
    Grid,
    GridWorker,
    Incident,
    Resident,
    Sensor,
    SensorStatus,
    Tier,
)
from layers.models.incidents import OPEN_STATUSES
from layers.models.people import Sex
from layers.models.scoping import area_prefix

# Ten-year age bands (inclusive years) for the population pyramid; None = open-ended.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    *((f"{low}-{low + 9}", low, low + 9) for low in range(0, 90, 10)),
    ("90+", 90, None),
)
LATEST_INCIDENTS = 5
# Cached Grid columns → the key they are reported under.
TIER_COLUMNS = {tier.value: f"tier_{tier.value}" for tier in Tier}


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def age_band_q(low: int, high: int | None, today: dt.date) -> Q:
    """Residents aged low..high (inclusive) on ``today``."""
    q = Q(birth_date__lte=years_before(today, low))
    if high is not None:
        q &= Q(birth_date__gt=years_before(today, high + 1))
    return q


def root_grids(prefix: str | None) -> QuerySet:
    """The grids of an area that no other grid of the area contains: their cached figures add up to the area's."""
    if prefix is None:
        return Grid.objects.none()
    inside = Grid.objects.for_prefix(prefix)
    return inside.filter(Q(parent__isnull=True) | ~Q(parent__code__startswith=prefix))


def cached_totals(grids: QuerySet) -> dict:
    """Households, residents and tier counts summed from the cached grid columns (one query)."""
    sums = grids.aggregate(households=Sum("households"), residents=Sum("residents"),
                           **{tier: Sum(column) for tier, column in TIER_COLUMNS.items()})
    return {
        "households": sums["households"] or 0,
        "residents": sums["residents"] or 0,
        "tiers": {tier: sums[tier] or 0 for tier in TIER_COLUMNS},
    }


def grid_totals(grid: Grid) -> dict:
    """A grid's own cached columns (they already include its sub-grids): no query."""
    return {
        "households": grid.households,
        "residents": grid.residents,
        "tiers": {tier: getattr(grid, column) for tier, column in TIER_COLUMNS.items()},
    }


def resident_figures(prefix: str, today: dt.date) -> dict:
    """Age structure (ten-year bands × sex) and care tags of the residents under a code prefix (one query)."""
    bands = {f"age_{i}_{sex.value}": Count("pk", filter=age_band_q(low, high, today) & Q(sex=sex.value))
             for i, (_label, low, high) in enumerate(AGE_BANDS) for sex in Sex}
    tags = {f"tag_{tag.value}": Count("pk", filter=Q(care_tags__contains=[tag.value])) for tag in CareTag}
    counts = Resident.objects.for_prefix(prefix).aggregate(**bands, **tags)
    return {
        "age_structure": [{"band": label, **{sex.value: counts[f"age_{i}_{sex.value}"] for sex in Sex}}
                          for i, (label, _low, _high) in enumerate(AGE_BANDS)],
        "care_tags": {tag.value: counts[f"tag_{tag.value}"] for tag in CareTag},
    }


def incident_figures(incidents: QuerySet, now: dt.datetime) -> dict:
    """Open incidents by status, the overdue ones (deadline passed) and the latest few (two queries)."""
    still_open = incidents.filter(status__in=OPEN_STATUSES)
    counts = still_open.aggregate(overdue=Count("pk", filter=Q(deadline__lt=now)),
                                  **{status: Count("pk", filter=Q(status=status)) for status in OPEN_STATUSES})
    overdue = counts.pop("overdue")
    latest = still_open.order_by("-reported_at", "-pk").values(
        "code", "title", "status", "reported_at", "deadline")[:LATEST_INCIDENTS]
    return {
        "open": sum(counts.values()),
        "by_status": counts,
        "overdue": overdue,
        "latest": [{**row, "overdue": row["deadline"] is not None and row["deadline"] < now} for row in latest],
    }


def ancestor_codes(code: str, *, itself: bool = False) -> tuple[list[str], list[str]]:
    """(division codes, grid codes) above a division or grid code, from the top down; with ``itself``, the code too."""
    divisions = [c for c in dict.fromkeys((code[:6] + "0" * 6, code[:9] + "000", code[:12])) if len(c) == 12]
    grids = [code[:n] for n in (15, 17, 19) if n <= len(code)]
    if not itself:
        divisions, grids = [c for c in divisions if c != code], [c for c in grids if c != code]
    return divisions, grids


def area_parents(user, code: str | None, *, itself: bool = False) -> list[dict]:
    """The divisions and grids above ``code`` that the user may open, from the top down (two queries)."""
    if not code:
        return []
    division_codes, grid_codes = ancestor_codes(code, itself=itself)
    divisions = Division.objects.for_user(user).filter(code__in=division_codes).values("code", "name")
    grids = Grid.objects.for_user(user).filter(code__in=grid_codes).values("code", "name") if grid_codes else []
    order = {c: i for i, c in enumerate(division_codes + grid_codes)}
    rows = [{"kind": "division", **row} for row in divisions] + [{"kind": "grid", **row} for row in grids]
    return sorted(rows, key=lambda row: order[row["code"]])


def grid_figures(grid: Grid, user) -> dict:
    """Figures of one grid and its sub-grids, its grid workers with phones and its parents."""
    now = timezone.now()
    workers = list(GridWorker.objects.filter(grid=grid).values("name", "phone", "kind"))
    return {
        "code": grid.code,
        "name": grid.name,
        "kind": "grid",
        **grid_totals(grid),
        **resident_figures(grid.code, timezone.localdate()),
        "incidents": incident_figures(Incident.objects.for_prefix(grid.code), now),
        "workers": workers,
        "worker_count": len(workers),
        "parents": area_parents(user, grid.code),
    }


def division_figures(division: Division, user) -> dict:
    """Figures of a county, town or village: the grids under it, summed."""
    prefix = division.area_prefix()
    now = timezone.now()
    return {
        "code": division.code,
        "name": division.name,
        "kind": "division",
        "level": division.level,
        "grids": Grid.objects.for_prefix(prefix).count(),
        **cached_totals(root_grids(prefix)),
        **resident_figures(prefix, timezone.localdate()),
        "incidents": incident_figures(Incident.objects.for_prefix(prefix), now),
        "worker_count": GridWorker.objects.for_prefix(prefix).count(),
        "parents": area_parents(user, division.code),
    }


def incident_counters(user, now: dt.datetime) -> dict:
    """Open, overdue and reported-today incidents of the user's area (one query)."""
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    is_open = Q(status__in=OPEN_STATUSES)
    counts = (Incident.objects.for_user(user).filter(is_open | Q(reported_at__gte=midnight))
              .aggregate(open=Count("pk", filter=is_open), overdue=Count("pk", filter=is_open & Q(deadline__lt=now)),
                         today=Count("pk", filter=Q(reported_at__gte=midnight))))
    return {"open_incidents": counts["open"], "overdue_incidents": counts["overdue"],
            "incidents_today": counts["today"]}


def sensor_counters(user) -> dict:
    """Devices of the user's area by status (one query)."""
    counts = Sensor.objects.for_user(user).aggregate(
        **{status.value: Count("pk", filter=Q(status=status.value)) for status in SensorStatus})
    return {f"sensors_{status}": n for status, n in counts.items()}


def summary(user) -> dict:
    """Counters of the user's whole area for the 大屏 (five queries)."""
    totals = cached_totals(root_grids(area_prefix(user)))
    return {
        "grids": Grid.objects.for_user(user).count(),
        "buildings": Building.objects.for_user(user).count(),
        "households": totals["households"],
        "residents": totals["residents"],
        "grid_workers": GridWorker.objects.for_user(user).count(),
        **incident_counters(user, timezone.now()),
        **sensor_counters(user),
    }
