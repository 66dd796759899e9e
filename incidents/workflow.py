"""The incident workflow as a table: action → from states → to state, who may act, what it needs.

    上报 reported ─accept─▶ 受理 accepted ─dispatch─▶ 分流 dispatched ─start─▶ 办理 in_progress ─resolve─▶
    办结 resolved ─follow_up─▶ 回访 followed_up ─archive─▶ 归档 archived
    reported ─reject─▶ 不予受理 rejected;  resolved ─follow_up(unsatisfied)─▶ in_progress (reopened)
    accepted/dispatched/in_progress ─supervise (level above, or the sweep)─▶ 督办 supervised ─resolve─▶ resolved
    dispatched/in_progress ─return─▶ accepted (back to the dispatching level); ─transfer─▶ dispatched (another unit)
    accepted … supervised ─escalate─▶ dispatched at the next level up (grid → village → town → county)

Who may act is the role's level (网格员 grid … 县级 county) compared with the case's responsible level;
the area (for_user) is checked before any of this, so a case outside the area is never seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from layers.models.access import Role
from layers.models.incidents import IncidentStatus as S
from layers.models.incidents import ResponsibleLevel, Satisfaction

LEVELS: tuple[str, ...] = tuple(ResponsibleLevel.values)  # lowest first: escalation climbs it
ROLE_LEVEL = {Role.GRID_WORKER: "grid", Role.VILLAGE: "village", Role.TOWN: "town", Role.COUNTY: "county"}
ALL_LEVELS = frozenset(LEVELS)
OPERATORS = frozenset({"village", "town", "county"})


def act(label: str) -> Promise:
    """An action's label: its own translation context, apart from the status of the same name (受理 …)."""
    return pgettext_lazy("incident action", label)


class Who(StrEnum):
    ANY = "any"                  # any acting level inside the case's area
    RESPONSIBLE = "responsible"  # the case's responsible level
    ABOVE = "above"              # a level above the responsible one (督办)


@dataclass(frozen=True)
class Action:
    name: str
    label: Promise
    sources: tuple[str, ...]
    target: str
    levels: frozenset[str]
    who: Who
    requires: tuple[str, ...] = ()
    # the value of ``branch_on`` in the request picks another target (回访不满意 → 重新办理)
    branch_on: str | None = None
    branches: dict[str, str] = field(default_factory=dict)

    def target_for(self, data: dict) -> str:
        return self.branches.get(data.get(self.branch_on), self.target) if self.branch_on else self.target


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("accept", act("受理"), (S.REPORTED,), S.ACCEPTED, ALL_LEVELS, Who.ANY),
    Action("reject", act("不予受理"), (S.REPORTED,), S.REJECTED, ALL_LEVELS, Who.ANY, requires=("reason",)),
    Action("dispatch", act("分流"), (S.ACCEPTED,), S.DISPATCHED, OPERATORS, Who.RESPONSIBLE, requires=("level",)),
    Action("start", act("开始办理"), (S.DISPATCHED,), S.IN_PROGRESS, ALL_LEVELS, Who.RESPONSIBLE),
    Action("resolve", act("办结"), (S.IN_PROGRESS, S.SUPERVISED), S.RESOLVED, ALL_LEVELS, Who.RESPONSIBLE,
           requires=("note",)),
    Action("follow_up", act("回访"), (S.RESOLVED,), S.FOLLOWED_UP, OPERATORS, Who.ANY, requires=("satisfaction",),
           branch_on="satisfaction", branches={Satisfaction.UNSATISFIED: S.IN_PROGRESS}),
    Action("archive", act("归档"), (S.FOLLOWED_UP,), S.ARCHIVED, OPERATORS, Who.ANY),
    Action("return", act("退回"), (S.DISPATCHED, S.IN_PROGRESS), S.ACCEPTED, ALL_LEVELS, Who.RESPONSIBLE,
           requires=("reason",)),
    Action("transfer", act("转办"), (S.DISPATCHED, S.IN_PROGRESS), S.DISPATCHED, ALL_LEVELS, Who.RESPONSIBLE,
           requires=("reason", "unit")),
    Action("escalate", act("上报上级"), (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.SUPERVISED), S.DISPATCHED,
           ALL_LEVELS - {"county"}, Who.RESPONSIBLE, requires=("reason",)),
    Action("supervise", act("督办"), (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS), S.SUPERVISED, OPERATORS, Who.ABOVE,
           requires=("reason",)),
)}


def rank(level: str | None) -> int:
    """0 for grid … 3 for county; an unset level counts as the lowest."""
    return LEVELS.index(level) if level else 0


def level_above(level: str | None) -> str:
    """The next level up (county stays county)."""
    return LEVELS[min(rank(level) + 1, len(LEVELS) - 1)]


def actions_from(status: str) -> list[str]:
    """Action names possible from a status, in table order."""
    return [name for name, action in ACTIONS.items() if status in action.sources]


def level_may_act(action: Action, user_level: str | None, case_level: str | None, *, admin: bool = False) -> bool:
    """The role/level rule of the table (the area is checked before)."""
    if admin:
        return True
    if user_level not in action.levels:
        return False
    if action.who == Who.RESPONSIBLE:
        return case_level is None or case_level == user_level
    if action.who == Who.ABOVE:
        return rank(user_level) > rank(case_level)
    return True
