"""The figures as table cells for the dashboard page: (text, link to the cases) per column."""

from __future__ import annotations

from dataclasses import dataclass

from casefigures import definitions

# the dashboard's columns, in order: ("count" | "rate" | "hours", name)
COLUMNS = (("count", "total"), ("count", "due"), ("count", "resolved"), ("rate", "resolution_rate"),
           ("count", "on_time"), ("rate", "on_time_rate"), ("count", "late"), ("count", "overdue"),
           ("count", "disputes"), ("count", "disputes_resolved"), ("rate", "dispute_rate"),
           ("count", "followed_up"), ("count", "satisfied"), ("rate", "satisfaction_rate"),
           ("hours", "mean_hours"), ("hours", "p90_hours"), ("count", "repeat"))
LABELS = {**{c.name: c.label for c in definitions.COUNTS}, **{r.name: r.label for r in definitions.RATES},
          **dict(definitions.HANDLING)}


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    name: str = ""


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def cell(row: dict, kind: str, name: str) -> Cell:
    if kind == "count":
        figure = row["counts"][name]
        return Cell(str(figure["value"]), figure["cases"], name)
    if kind == "rate":
        figure = row["rates"][name]
        return Cell(percent(figure["value"]), row["counts"][figure["numerator"]]["cases"], name)
    value = row["handling"][name]
    return Cell("—" if value is None else f"{value:.1f}", row["handling"]["cases"], name)


def headers() -> list[str]:
    return [str(LABELS[name]) for _kind, name in COLUMNS]


def cells(row: dict) -> list[Cell]:
    return [cell(row, kind, name) for kind, name in COLUMNS]


def breakdowns(row: dict) -> list[tuple[str, list[dict]]]:
    return [(str(text), row["breakdown"][dimension])
            for dimension, (text, _param, _labels) in definitions.DIMENSIONS.items()]
