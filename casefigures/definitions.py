"""What each figure counts, as tables: its label, and the /api/incidents/ filters that list its cases.

The period is the report date: a case belongs to the period when it was **reported** in it
(``start`` 00:00 to ``end`` 24:00, Asia/Shanghai); every figure is over those cases, so a figure's
cases are always "the area's cases reported in the period" narrowed by the figure's own filters.

- 应办 due: every case of the period except the rejected (不予受理) ones.
- 已办结 resolved: status resolved, followed_up or archived (a case reopened by an unsatisfied
  follow-up is back in progress and is not resolved).
- 按期办结 on time: resolved and closed by its deadline (a case without a deadline is on time);
  超期办结 late: resolved and closed after its deadline.
- 超期未办 overdue: open with the clock running (accepted … supervised) and its deadline passed now.
- 矛盾纠纷 disputes: category 矛盾纠纷 or 矛盾纠纷/…, not rejected; 已化解 resolved disputes.
- 已回访 followed up: a satisfaction verdict recorded (the latest, also when it reopened the case);
  满意 satisfied: 满意 or 基本满意.
- 重复事件 repeat: a case sharing its building with, or lying within 50 m of, another case of the
  same area and period (any status).
- handling time: closed_at − reported_at of the resolved cases, in hours (mean and 90th percentile).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from incidents.filters import REPEAT_METRES
from layers.models.incidents import CLOCKED_STATUSES, IncidentSource, IncidentStatus, Satisfaction

RESOLVED = ("resolved", "followed_up", "archived")
DUE = tuple(s for s in IncidentStatus.values if s != IncidentStatus.REJECTED)
DISPUTE = "矛盾纠纷"
FOLLOWED_UP = tuple(Satisfaction.values)
SATISFIED = (Satisfaction.SATISFIED.value, Satisfaction.BASIC.value)


def label(text: str) -> Promise:
    return pgettext_lazy("figures", text)


@dataclass(frozen=True)
class Count:
    """A count figure: its column in counts.sql / repeats.sql and the list filters giving its cases."""

    name: str
    label: Promise
    filters: dict[str, str]


def joined(values: tuple[str, ...]) -> str:
    return ",".join(values)


COUNTS: tuple[Count, ...] = (
    Count("total", label("事件总数"), {}),
    Count("due", label("应办"), {"status": joined(DUE)}),
    Count("resolved", label("已办结"), {"status": joined(RESOLVED)}),
    Count("on_time", label("按期办结"), {"status": joined(RESOLVED), "on_time": "1"}),
    Count("late", label("超期办结"), {"status": joined(RESOLVED), "on_time": "0"}),
    Count("overdue", label("超期未办"), {"overdue": "1"}),
    Count("disputes", label("矛盾纠纷"), {"category": DISPUTE, "status": joined(DUE)}),
    Count("disputes_resolved", label("纠纷已化解"), {"category": DISPUTE, "status": joined(RESOLVED)}),
    Count("followed_up", label("已回访"), {"satisfaction": joined(FOLLOWED_UP)}),
    Count("satisfied", label("满意"), {"satisfaction": joined(SATISFIED)}),
    Count("repeat", label("重复事件"), {"repeat": "1"}),
)
COUNT_BY_NAME = {c.name: c for c in COUNTS}


@dataclass(frozen=True)
class Rate:
    name: str
    label: Promise
    numerator: str  # a Count name
    denominator: str


RATES: tuple[Rate, ...] = (
    Rate("resolution_rate", label("办结率"), "resolved", "due"),
    Rate("on_time_rate", label("按期办结率"), "on_time", "resolved"),
    Rate("dispute_rate", label("化解率"), "disputes_resolved", "disputes"),
    Rate("satisfaction_rate", label("满意率"), "satisfied", "followed_up"),
)

HANDLING = (("mean_hours", label("平均办理时长（小时）")), ("p90_hours", label("P90办理时长（小时）")))

# Breakdowns: dimension → (label, the list filter naming one value, value labels)
DIMENSIONS: dict[str, tuple[Promise, str, dict]] = {
    "status": (label("按状态"), "status", dict(IncidentStatus.choices)),
    "source": (label("按渠道"), "source", dict(IncidentSource.choices)),
    "category": (label("按类别"), "category", {}),
}

# Bound parameters every figures query shares, besides area and period.
SQL_SETS = {"due": list(DUE), "resolved": list(RESOLVED), "clocked": list(CLOCKED_STATUSES), "dispute": DISPUTE,
            "followed_up": list(FOLLOWED_UP), "satisfied": list(SATISFIED), "metres": REPEAT_METRES,
            # repeats.sql bins points into cells this wide (Mercator units): diagonal 0.94 × metres
            "cell": REPEAT_METRES / 1.5}
