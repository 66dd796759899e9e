"""Grid figures (网格概况): a fixed number of aggregate queries, whatever the grid's size."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from layers.models import CareTag, Grid, GridWorker, Household, Resident, Tier
from layers.models.people import Sex

# Age bands (inclusive years); None = open-ended.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-17", 0, 17), ("18-34", 18, 34), ("35-59", 35, 59), ("60-79", 60, 79), ("80+", 80, None),
)


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


def household_figures(code: str) -> dict:
    counts = Household.objects.for_prefix(code).aggregate(
        total=Count("pk"), **{tier.value: Count("pk", filter=Q(tier=tier.value)) for tier in Tier},
    )
    return {"households": counts.pop("total"), "tiers": counts}


def resident_figures(code: str, today: dt.date) -> dict:
    bands = {f"age_{i}_{sex.value}": Count("pk", filter=age_band_q(low, high, today) & Q(sex=sex.value))
             for i, (_label, low, high) in enumerate(AGE_BANDS) for sex in Sex}
    tags = {f"tag_{tag.value}": Count("pk", filter=Q(care_tags__contains=[tag.value])) for tag in CareTag}
    counts = Resident.objects.for_prefix(code).aggregate(total=Count("pk"), **bands, **tags)
    return {
        "residents": counts["total"],
        "age_structure": [{"band": label, **{sex.value: counts[f"age_{i}_{sex.value}"] for sex in Sex}}
                          for i, (label, _low, _high) in enumerate(AGE_BANDS)],
        "care_tags": {tag.value: counts[f"tag_{tag.value}"] for tag in CareTag},
    }


def grid_figures(grid: Grid) -> dict:
    """Live counts for a grid and its sub-grids (three queries), plus its grid workers."""
    workers = GridWorker.objects.filter(grid=grid).values("name", "phone", "kind")
    return {
        "grid": grid.code,
        **household_figures(grid.code),
        **resident_figures(grid.code, timezone.localdate()),
        "workers": list(workers),
    }
