"""One core for every workflow step: ``transition(incident_id, action, user, expected_version, **data)``.

Order of the checks: the area (404), the action's name (400), the version (409), the state (400 naming
the allowed actions), the role and level (403), the request's fields (400); then one UPDATE … WHERE
version = expected (0 rows: 409) and the log row, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_governance.errors import BadInput, Conflict, Forbidden, NotFound
from incidents import workflow
from incidents.calendar import deadline_for
from incidents.models import IncidentTransition
from layers.models.access import Profile, Role
from layers.models.incidents import Incident, IncidentStatus, ResponsibleLevel, Satisfaction, SupervisionReason

MAX_TEXT = 500
MAX_ATTACHMENTS = 10


class IllegalTransition(BadInput):
    """400 that also lists the actions the current state allows."""

    def __init__(self, message: str, allowed: list[str]):
        super().__init__(message, field="action")
        self.allowed = allowed

    def as_dict(self) -> dict:
        return {**super().as_dict(), "allowed_actions": self.allowed}


class StaleVersion(Conflict):
    """409 carrying the incident's current state, so the client can reload and retry."""

    def __init__(self, incident: Incident):
        super().__init__(_("该事件已被他人更新（当前版本 %(v)s），请刷新后重试") % {"v": incident.version},
                         field="version")
        self.current = {"id": incident.pk, "status": incident.status, "version": incident.version,
                        "responsible_level": incident.responsible_level}

    def as_dict(self) -> dict:
        return {**super().as_dict(), "current": self.current}


@dataclass(frozen=True)
class Actor:
    """The acting user as the workflow sees them: a level (None: may act on nothing) or admin."""

    user: object
    level: str | None
    admin: bool = False


def actor_of(user) -> Actor:
    """The user's workflow level from their role (one query, remembered on the user for the request)."""
    if user.is_superuser:
        return Actor(user, None, admin=True)
    actor = getattr(user, "_geogov_actor", None)
    if actor is None:
        role = Profile.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
        actor = user._geogov_actor = Actor(user, workflow.ROLE_LEVEL.get(role), admin=role == Role.ADMIN)
    return actor


def allowed_actions(incident: Incident, actor: Actor) -> list[str]:
    """What this actor may do to this incident now."""
    return [name for name in workflow.actions_from(incident.status)
            if workflow.level_may_act(workflow.ACTIONS[name], actor.level, incident.responsible_level,
                                      admin=actor.admin)]


# ---- the request's fields: one parser each --------------------------------------------------------------


def parse_text(name: str, value) -> str:
    text = str(value or "").strip()
    if not text:
        raise BadInput(_("请填写%(f)s") % {"f": FIELD_LABELS[name]}, field=name)
    if len(text) > MAX_TEXT:
        raise BadInput(_("%(f)s不能超过%(n)s个字符") % {"f": FIELD_LABELS[name], "n": MAX_TEXT}, field=name)
    return text


def parse_level(name: str, value) -> str:
    if value not in workflow.LEVELS:
        raise BadInput(_("层级须为以下之一：%(v)s") % {"v": "、".join(workflow.LEVELS)}, field=name)
    return value


def parse_satisfaction(name: str, value) -> str:
    if value not in Satisfaction.values:
        raise BadInput(_("满意度须为以下之一：%(v)s") % {"v": "、".join(Satisfaction.values)}, field=name)
    return value


def parse_attachments(name: str, value) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS or not all(isinstance(v, str) for v in value):
        raise BadInput(_("附件须为不超过%(n)s个文件地址的列表") % {"n": MAX_ATTACHMENTS}, field=name)
    return value


FIELDS: dict[str, Callable[[str, object], object]] = {
    "reason": parse_text, "note": parse_text, "unit": parse_text, "level": parse_level,
    "satisfaction": parse_satisfaction, "attachments": parse_attachments,
}
FIELD_LABELS = {"reason": gettext_lazy("理由"), "note": gettext_lazy("办理情况"), "unit": gettext_lazy("责任单位"),
                "level": gettext_lazy("层级"), "satisfaction": gettext_lazy("满意度"),
                "attachments": gettext_lazy("附件")}


def parse_data(action: workflow.Action, data: dict) -> dict:
    """Required fields present and every given field valid; unknown fields refused."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadInput(_("未知字段：%(f)s") % {"f": "、".join(unknown)}, field=unknown[0])
    for name in action.requires:
        if data.get(name) in (None, ""):
            raise BadInput(_("「%(a)s」须填写%(f)s") % {"a": action.label, "f": FIELD_LABELS[name]}, field=name)
    return {name: FIELDS[name](name, value) for name, value in data.items() if value not in (None, "")}


# ---- what each action changes besides the status --------------------------------------------------------


def unit_name(incident: Incident, level: str) -> str:
    """The name of the case's grid or of its division at that level (the default responsible unit)."""
    area = incident.grid
    for step in range(workflow.rank(level)):  # grid → its village → town → county
        area = area and (area.division if step == 0 else area.parent)
    return area.name if area else str(ResponsibleLevel(level).label)


def assign(incident: Incident, level: str, unit: str | None, now: dt.datetime) -> dict:
    return {"responsible_level": level, "responsible_unit": unit or unit_name(incident, level),
            "deadline": deadline_for(incident.category, level, now)}


def on_accept(incident: Incident, actor: Actor, data: dict, now: dt.datetime) -> dict:
    level = data.get("level") or actor.level
    if level is None:
        raise BadInput(_("请指定责任层级"), field="level")
    check_not_above(actor, level)
    return assign(incident, level, data.get("unit"), now)


def on_dispatch(incident: Incident, actor: Actor, data: dict, now: dt.datetime) -> dict:
    check_not_above(actor, data["level"])
    return {**assign(incident, data["level"], data.get("unit"), now),
            "dispatched_from": incident.responsible_level or actor.level}


def on_escalate(incident: Incident, actor: Actor, data: dict, now: dt.datetime) -> dict:
    if incident.responsible_level == workflow.LEVELS[-1]:
        raise BadInput(_("已是最高层级（县级），无法再上报"), field="action")
    up = workflow.level_above(incident.responsible_level)
    return {**assign(incident, up, None, now), "dispatched_from": incident.responsible_level}


def on_return(incident: Incident, actor: Actor, data: dict, now: dt.datetime) -> dict:
    if not incident.dispatched_from:
        raise BadInput(_("该事件没有分流记录，无法退回"), field="action")
    return {**assign(incident, incident.dispatched_from, None, now), "dispatched_from": None}


def on_follow_up(incident: Incident, actor: Actor, data: dict, now: dt.datetime) -> dict:
    if data["satisfaction"] != Satisfaction.UNSATISFIED:
        return {"satisfaction": data["satisfaction"]}
    return {"satisfaction": data["satisfaction"], "closed_at": None,
            "deadline": deadline_for(incident.category, incident.responsible_level, now)}


def on_supervise(incident: Incident, actor: Actor, data: dict, now: dt.datetime) -> dict:
    return {"supervised_at": now, "supervision_reason": SupervisionReason.MANUAL,
            "supervision_level": actor.level or workflow.level_above(incident.responsible_level)}


def check_not_above(actor: Actor, level: str) -> None:
    if not actor.admin and workflow.rank(level) > workflow.rank(actor.level):
        raise Forbidden(_("不能分派到高于本级的层级；请使用「上报上级」"))


EFFECTS: dict[str, Callable[[Incident, Actor, dict, dt.datetime], dict]] = {
    "accept": on_accept,
    "reject": lambda incident, actor, data, now: {"closed_at": now},
    "dispatch": on_dispatch,
    "resolve": lambda incident, actor, data, now: {"closed_at": now},
    "follow_up": on_follow_up,
    "return": on_return,
    "transfer": lambda incident, actor, data, now: {"responsible_unit": data["unit"]},
    "escalate": on_escalate,
    "supervise": on_supervise,
}


# ---- the core ------------------------------------------------------------------------------------------


def find(incident_id: int, user) -> Incident:
    incident = (Incident.objects.for_user(user).select_related("grid__division__parent__parent")
                .filter(pk=incident_id).first())
    if incident is None:
        raise NotFound(_("事件不存在或不在您的管辖范围内"))
    return incident


def check_allowed(incident: Incident, action: workflow.Action, actor: Actor) -> None:
    if incident.status not in action.sources:
        allowed = workflow.actions_from(incident.status)
        labels = "、".join(str(workflow.ACTIONS[a].label) for a in allowed) or _("无")
        raise IllegalTransition(_("事件当前状态为「%(s)s」，不能执行「%(a)s」；可执行：%(allowed)s") % {
            "s": IncidentStatus(incident.status).label, "a": action.label, "allowed": labels}, allowed)
    if not workflow.level_may_act(action, actor.level, incident.responsible_level, admin=actor.admin):
        raise Forbidden(_("您的角色或层级无权对该事件执行「%(a)s」") % {"a": action.label})


def transition(incident_id: int, action: str, user, expected_version: int, *, at: dt.datetime | None = None,
               **data) -> Incident:
    """Run one workflow step; returns the incident as it is afterwards.

    ``at`` is the moment of the step (default now) from which deadlines count: for desk registration of
    a step taken earlier, and for tests.
    """
    incident = find(incident_id, user)
    rule = workflow.ACTIONS.get(action)
    if rule is None:
        raise IllegalTransition(_("未知操作：%(a)s") % {"a": action}, workflow.actions_from(incident.status))
    if incident.version != expected_version:
        raise StaleVersion(incident)
    actor = actor_of(user)
    check_allowed(incident, rule, actor)
    data = parse_data(rule, data)
    now = at or timezone.now()
    changes = EFFECTS.get(action, lambda *args: {})(incident, actor, data, now)
    target = rule.target_for(data)
    with transaction.atomic():
        updated = (Incident.objects.filter(pk=incident.pk, version=expected_version)
                   .update(status=target, version=F("version") + 1, **changes))
        if updated == 0:
            raise StaleVersion(Incident.objects.get(pk=incident.pk))
        IncidentTransition.objects.create(incident=incident, action=action, from_status=incident.status,
                                          to_status=target, user=user, at=now,
                                          note=data.get("note") or data.get("reason") or "", data=data)
    # the row now holds exactly what the UPDATE wrote: no need to read it again
    for name, value in {**changes, "status": target, "version": expected_version + 1}.items():
        setattr(incident, name, value)
    return incident
