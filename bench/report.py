"""Benchmark rows, their goals, and the two outputs: a fixed-width table and a JSON file."""

from __future__ import annotations

import json
import operator
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

COMPARE = {"<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Goal:
    """A target for a row's value, e.g. Goal("<=", 1.2, "×") reads "≤ 1.2×"."""

    op: str
    limit: float
    unit: str = "×"

    def met(self, value: float | None) -> bool | None:
        return None if value is None else COMPARE[self.op](value, self.limit)

    def __str__(self) -> str:
        return f"{'≤' if self.op == '<=' else '≥'} {self.limit:g}{self.unit}"


@dataclass(frozen=True)
class Stats:
    """p50 / p95 of a list of figures (milliseconds for times)."""

    p50: float
    p95: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats | None:
        return cls(percentile(values, 50), percentile(values, 95), len(values)) if values else None


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (the median for 50)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


@dataclass
class Row:
    """One line of the table: ours vs the reference, the value compared with the goal, and the gate."""

    measurement: str
    layer: str
    zoom: str = ""
    ours: Stats | None = None  # ms
    reference: Stats | None = None  # ms
    value: float | None = None  # ratio, overhead in ms or size in KB, as the goal's unit says
    goal: Goal | None = None
    gate_ok: bool | None = None  # None: no gate for this row, or not applicable
    bytes_p50: float | None = None
    bytes_max: int | None = None
    note: str = ""

    @property
    def passed(self) -> bool | None:
        return self.goal.met(self.value) if self.goal else None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["goal"] = str(self.goal) if self.goal else None
        data["passed"] = self.passed
        return data


def verdict(flag: bool | None, yes: str = "pass") -> str:
    return {True: yes, False: "FAIL", None: "n/a"}[flag]


def _ms(stats: Stats | None) -> tuple[str, str]:
    return ("-", "-") if stats is None else (f"{stats.p50:.2f}", f"{stats.p95:.2f}")


def _value(row: Row) -> str:
    if row.value is None:
        return "n/a"
    return f"{row.value:.3g}{row.goal.unit if row.goal else ''}"


def _size(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.1f}K"


# (header, width, cell) — the table's columns, in order.
COLUMNS = (
    ("measurement", 24, lambda r: r.measurement),
    ("layer", 26, lambda r: r.layer),
    ("z", 5, lambda r: r.zoom),
    ("n", 4, lambda r: str((r.ours or r.reference).n) if (r.ours or r.reference) else "-"),
    ("ours p50", 9, lambda r: _ms(r.ours)[0]),
    ("ours p95", 9, lambda r: _ms(r.ours)[1]),
    ("ref p50", 9, lambda r: _ms(r.reference)[0]),
    ("ref p95", 9, lambda r: _ms(r.reference)[1]),
    ("value", 9, _value),
    ("goal", 9, lambda r: str(r.goal) if r.goal else "-"),
    ("pass", 4, lambda r: verdict(r.passed)),
    ("gate", 4, lambda r: verdict(r.gate_ok, "ok")),
    ("bytes p50", 9, lambda r: _size(r.bytes_p50)),
    ("max", 8, lambda r: _size(r.bytes_max)),
    ("note", 0, lambda r: r.note),
)


def format_table(rows: Sequence[Row]) -> str:
    """Fixed-width text table, one line per row (times in ms, sizes in KiB)."""
    def line(cells: Iterable[str]) -> str:
        return " ".join(c.ljust(w) if w else c for c, (_, w, _) in zip(cells, COLUMNS, strict=True)).rstrip()
    lines = [line(h for h, _, _ in COLUMNS), line("-" * max(w, 4) for _, w, _ in COLUMNS)]
    lines += [line(cell(r) for _, _, cell in COLUMNS) for r in rows]
    return "\n".join(lines)


def summary(rows: Sequence[Row]) -> dict[str, int]:
    return {
        "rows": len(rows),
        "goals_met": sum(r.passed is True for r in rows),
        "goals_failed": sum(r.passed is False for r in rows),
        "goals_not_applicable": sum(r.goal is not None and r.passed is None for r in rows),
        "gates_ok": sum(r.gate_ok is True for r in rows),
        "gates_failed": sum(r.gate_ok is False for r in rows),
    }


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
