"""Who sees which sweep rounds, filling their items, and submitting a round (every finding → one case)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext

from geo_governance.errors import BadInput, Forbidden, NotFound
from incidents import intake
from layers.models.access import Profile, Role
from layers.models.buildings import Building
from layers.models.divisions import PREFIX_LENGTH, Division, division_prefix
from layers.models.incidents import Incident, IncidentSource
from layers.models.scoping import area_prefix
from sweeps.cadence import LEVEL_ABOVE
from sweeps.models import ItemResult, RoundItem, RoundStatus, SweepRound

# role → the level of the rounds its users carry out (grid workers sweep with their village)
LEVEL_OF_ROLE = {Role.GRID_WORKER: "village", Role.VILLAGE: "village", Role.TOWN: "town", Role.COUNTY: "county"}
# level → the intake channel of its findings. Incident.source has no "sweep" value (a CHECK constraint in layers),
# and a sweep is an on-the-ground inspection by governance staff, which is what grid_worker (网格员上报) records;
# walk_in (a visitor at the desk), hotline, web, iot and open311 all name a resident or a device as the origin.
CHANNEL_OF_LEVEL = {"village": IncidentSource.GRID_WORKER, "town": IncidentSource.GRID_WORKER,
                    "county": IncidentSource.GRID_WORKER}
LEVEL_BELOW = {above: level for level, above in LEVEL_ABOVE.items() if above}
FINDING_TITLE = "排查发现：%s"  # stored data, not UI text: the same in every language, so a resubmit replays


def tr(text: str) -> str:
    return pgettext("sweeps", text)


# ---- scoping ----------------------------------------------------------------------------------------------


def level_of(user) -> str | None:
    role = Profile.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
    return LEVEL_OF_ROLE.get(role)


def mine(user):
    """The rounds this user carries out: their own division's rounds at their level (admins: all)."""
    rounds = SweepRound.objects.select_related("division")
    if user.is_superuser:
        return rounds
    level, prefix = level_of(user), area_prefix(user)
    if level is None or prefix is None:
        return rounds.none()
    return rounds.filter(level=level, division__code__startswith=prefix[:PREFIX_LENGTH[level]])


def visible(user):
    """Mine, plus every round of a division inside the user's area (read only)."""
    prefix = area_prefix(user)
    if prefix is None:
        return SweepRound.objects.none()
    return SweepRound.objects.select_related("division").filter(
        Q(pk__in=mine(user).values("pk")) | Q(division__code__startswith=prefix))


def overdue_for(user, today: dt.date | None = None):
    """Open rounds past their due date of the level just below the user's, inside their area (admins: all)."""
    rounds = SweepRound.objects.select_related("division").filter(status=RoundStatus.OPEN,
                                                                  due__lt=today or timezone.localdate())
    if user.is_superuser:
        return rounds
    below, prefix = LEVEL_BELOW.get(level_of(user)), area_prefix(user)
    if below is None or not prefix:
        return rounds.none()
    return rounds.filter(level=below, division__code__startswith=prefix)


def own_round(round_id: int, user) -> SweepRound:
    """The round if this user carries it out; 403 when they only see it, 404 when it is outside their area."""
    found = mine(user).filter(pk=round_id).first()
    if found is not None:
        return found
    if visible(user).filter(pk=round_id).exists():
        raise Forbidden(tr("只有本级排查人员可以填写和提交该轮排查 / only the sweep's own level may fill and "
                           "submit it"))
    raise NotFound(tr("排查轮次不存在或不在您的管辖范围内 / no such sweep round in your area"))


def open_round(round_id: int, user) -> SweepRound:
    sweep = own_round(round_id, user)
    if sweep.status != RoundStatus.OPEN:
        raise BadInput(tr("该轮排查已提交，不能再修改 / this sweep round was submitted and is closed"), field="status")
    return sweep


# ---- filling ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    result: str
    note: str = ""
    location: Point | None = None
    building_code: str = ""


def checked_place(sweep: SweepRound, fill: Fill) -> tuple[Point | None, str]:
    """The finding's point (inside the round's division) and building code (a building of that division)."""
    point = intake.clean_point(fill.location) if fill.location is not None else None
    if point is not None and not sweep.division.boundary.intersects(point):
        raise BadInput(tr("位置不在%(d)s范围内 / the point is outside %(d)s") % {"d": sweep.division.name},
                       field="location")
    code = fill.building_code.strip()
    inside = division_prefix(sweep.division.code, sweep.level)
    if code and not Building.objects.filter(code=code, village__code__startswith=inside).exists():
        raise BadInput(tr("%(d)s没有楼栋编码 %(c)s / %(d)s has no building %(c)s") % {"d": sweep.division.name,
                                                                                  "c": code},
                       field="building_code")
    return point, code


def fill_item(round_id: int, position: int, user, fill: Fill) -> RoundItem:
    """Record one item as ok or as a finding (a finding needs a note; point and building code are optional)."""
    sweep = open_round(round_id, user)
    item = RoundItem.objects.filter(round=sweep, position=position).first()
    if item is None:
        raise NotFound(tr("该轮排查没有第 %(n)s 项 / this round has no item %(n)s") % {"n": position})
    if fill.result not in (ItemResult.OK, ItemResult.FINDING):
        raise BadInput(tr("结果须为 ok 或 finding / result must be ok or finding"), field="result")
    note = fill.note.strip()
    if fill.result == ItemResult.FINDING and not note:
        raise BadInput(tr("发现问题须填写情况说明 / a finding needs a note"), field="note")
    point, code = checked_place(sweep, fill) if fill.result == ItemResult.FINDING else (None, "")
    item.result, item.note, item.location, item.building_code = fill.result, note, point, code
    item.filled_by, item.filled_at = user, timezone.now()
    item.save(update_fields=["result", "note", "location", "building_code", "filled_by", "filled_at"])
    return item


# ---- submitting ---------------------------------------------------------------------------------------------


def fallback_point(division: Division) -> Point:
    """Where a finding without point or building is filed: a point on the division's surface."""
    return Division.objects.filter(pk=division.pk).annotate(p=PointOnSurface("boundary")).values_list(
        "p", flat=True).get()


def file_finding(sweep: SweepRound, item: RoundItem, user) -> Incident:
    """The finding's case through the one intake core; its key makes a second submit replay the same case."""
    location = item.location or (None if item.building_code else fallback_point(sweep.division))
    extra = {"sweep": {"round": sweep.pk, "item": item.pk, "position": item.position, "level": sweep.level,
                       "division": sweep.division.code, "period_start": sweep.period_start.isoformat()}}
    result = intake.register(CHANNEL_OF_LEVEL[sweep.level], title=FINDING_TITLE % item.label, category=item.category,
                             description=item.note, location=location, building_code=item.building_code or None,
                             user=user, idempotency_key=f"sweep-round-{sweep.pk}-item-{item.pk}", client="sweeps",
                             extra=extra)
    return result.incident


def submit(round_id: int, user) -> SweepRound:
    """Close the round: every item must be filled; each finding becomes one case (submitting again: no new case)."""
    own_round(round_id, user)
    with transaction.atomic():
        sweep = SweepRound.objects.select_for_update().select_related("division").get(pk=round_id)
        if sweep.status == RoundStatus.SUBMITTED:
            return sweep
        items = list(sweep.items.order_by("position"))
        pending = [item.position for item in items if item.result == ItemResult.PENDING]
        if pending:
            raise BadInput(tr("还有未检查的项：%(p)s / items not checked yet: %(p)s")
                           % {"p": ", ".join(map(str, pending))}, field="items")
        for item in items:
            if item.result == ItemResult.FINDING and item.incident_id is None:
                item.incident = file_finding(sweep, item, user)
                item.save(update_fields=["incident"])
        sweep.status, sweep.submitted_at, sweep.submitted_by = RoundStatus.SUBMITTED, timezone.now(), user
        sweep.save(update_fields=["status", "submitted_at", "submitted_by"])
    return sweep
