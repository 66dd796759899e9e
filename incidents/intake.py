"""One intake core for every channel: ``register(channel, title=…, category=…, …) -> IntakeResult``.

In one transaction (PostgreSQL ``synchronous_commit`` forced on for it, so a commit is on disk before
the caller can answer): claim the idempotency key (a unique row: a concurrent retry waits for this
transaction and then finds its case), resolve the location (a point, or a building code / address →
a point on that building's surface), insert the case with a sequence-based code (SJ<yyyymmdd><nnnnnn>)
and its deadline, assign grid and building in SQL, hold it for manual placement when it lies outside
every grid, record the reporter, log the first transition (``report``), propose a duplicate of an older
open case of the same category nearby, and store the response the channel renders. The caller answers
only after ``register`` returns, i.e. after the commit: an acknowledged case is never lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from geo_governance.errors import BadInput, Conflict, Forbidden, NotFound
from incidents import calendar, sql
from incidents.models import Duplicate, DuplicateStatus, Hold, IdempotencyKey, IncidentTransition, Reporter
from layers.models.access import Role
from layers.models.buildings import Building
from layers.models.divisions import Division
from layers.models.incidents import OPEN_STATUSES, Incident, IncidentSource, IncidentStatus
from layers.models.scoping import area_prefix

MAX_TITLE = 200
MAX_CATEGORY = 50
MAX_DESCRIPTION = 5000
MAX_KEY = 200
REPORTER_FIELDS = {"name": 50, "phone": 20}
# China's bounding box: a point outside it is a swapped or mistyped coordinate
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)


@dataclass(frozen=True)
class IntakeResult:
    incident: Incident
    created: bool
    duplicate_of: Incident | None
    held: bool = False
    response: dict | list | None = None  # what the channel rendered inside the transaction (replayed on a retry)
    proposal: Duplicate | None = None    # the duplicate proposal made for this case


# ---- validation ---------------------------------------------------------------------------------------


def clean_text(value, name: str, label: str, limit: int, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise BadInput(_("请填写%(f)s / %(f_en)s is required") % {"f": label, "f_en": name}, field=name)
    if len(text) > limit:
        raise BadInput(_("%(f)s不能超过%(n)s个字符 / %(f_en)s: at most %(n)s characters")
                       % {"f": label, "f_en": name, "n": limit}, field=name)
    return text


def clean_channel(channel: str) -> str:
    if channel not in IncidentSource.values:
        raise BadInput(_("未知渠道：%(c)s / unknown channel %(c)s") % {"c": channel}, field="channel")
    return channel


def clean_reporter(reporter: dict | None) -> dict:
    reporter = reporter or {}
    if not isinstance(reporter, dict) or set(reporter) - set(REPORTER_FIELDS):
        raise BadInput(_("反映人只能包含姓名和电话 / reporter takes only name and phone"), field="reporter")
    cleaned = {name: clean_text(reporter.get(name), name, name, limit, required=False)
               for name, limit in REPORTER_FIELDS.items()}
    if cleaned["phone"] and not cleaned["phone"].replace("-", "").replace("+", "").isdigit():
        raise BadInput(_("电话号码格式不正确 / the phone number is not valid"), field="phone")
    return cleaned


def clean_point(location: Point) -> Point:
    if not isinstance(location, Point) or location.empty:
        raise BadInput(_("位置须为经纬度点 / location must be a longitude/latitude point"), field="location")
    if location.srid not in (None, 4326):
        location = location.transform(4326, clone=True)
    lon, lat = location.x, location.y
    if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        raise BadInput(_("位置不在中国境内（经度 %(lon)s，纬度 %(lat)s），请检查经纬度是否填反 / "
                         "the point (%(lon)s, %(lat)s) is outside China: are longitude and latitude swapped?")
                       % {"lon": lon, "lat": lat}, field="location")
    return Point(lon, lat, srid=4326)


# ---- location: a point, or a building by code or address ---------------------------------------------------


def building_point(buildings) -> Point | None:
    row = buildings.annotate(p=PointOnSurface("footprint")).values_list("p", flat=True)[:2]
    points = list(row)
    if len(points) > 1:
        raise BadInput(_("该地址对应多栋楼，请填写楼栋编码 / several buildings have this address: give the "
                         "building code"), field="address")
    return points[0] if points else None


def resolve_location(location: Point | None, address: str | None, building_code: str | None) -> Point:
    """The case's point: given, else a point on the surface of the building named by code, else by address."""
    if location is not None:
        return clean_point(location)
    if building_code:
        point = building_point(Building.objects.filter(code=building_code.strip()))
        if point is None:
            raise BadInput(_("楼栋编码不存在：%(c)s / no building with the code %(c)s") % {"c": building_code},
                           field="building_code")
        return point
    if address and address.strip():
        point = building_point(Building.objects.filter(address=address.strip()))
        if point is None:
            raise BadInput(_("找不到该地址的楼栋：%(a)s，请在地图上选点 / no building at %(a)s: pick the point "
                             "on the map") % {"a": address}, field="address")
        return point
    raise BadInput(_("请提供位置、楼栋编码或地址 / give a location, a building code or an address"), field="location")


# ---- idempotency ------------------------------------------------------------------------------------------


def fingerprint(**request) -> str:
    """SHA-256 of the request as the core sees it (location as WKT), to tell a retry from a reused key."""
    request["location"] = request["location"].wkt if request.get("location") is not None else None
    return hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def client_of(user, client: str | None) -> str:
    if client:
        return client
    if user is not None and getattr(user, "pk", None) is not None:
        return f"user:{user.pk}"
    raise BadInput(_("幂等键需要已登录用户或接口客户端 / an idempotency key needs a user or an API client"),
                   field="idempotency_key")


def claim_key(client: str, key: str, digest: str) -> IdempotencyKey | None:
    """Insert the key row (None: this request owns it) or return the committed row of an earlier request.

    The INSERT … ON CONFLICT DO NOTHING waits on a concurrent uncommitted insert of the same key; once that
    commits, the SELECT (a new statement, so a new snapshot under READ COMMITTED) sees its row.
    """
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO incidents_idempotencykey (client, key, fingerprint, at) "
                       "VALUES (%s, %s, %s, now()) ON CONFLICT (client, key) DO NOTHING RETURNING id",
                       [client, key, digest])
        if cursor.fetchone() is not None:
            return None
    earlier = IdempotencyKey.objects.select_related("incident").get(client=client, key=key)
    if earlier.fingerprint != digest:
        raise Conflict(_("幂等键 %(k)s 已用于另一请求，内容不同 / the Idempotency-Key %(k)s was used for a "
                         "different request") % {"k": key}, field="idempotency_key")
    return earlier


# ---- the pieces of one intake -----------------------------------------------------------------------------


def next_code(now) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('incidents_case_code_seq')")
        number = cursor.fetchone()[0]
    return f"SJ{timezone.localtime(now):%Y%m%d}{number:06d}"


def intake_deadline(category: str, urgent: bool, now):
    days = calendar.working_days_for(category, None)
    return calendar.deadline_after(now, min(days, calendar.URGENT) if urgent else days)


def find_duplicate(incident: Incident) -> tuple[Incident, float] | None:
    params = {"lon": incident.location.x, "lat": incident.location.y, "metres": settings.GEOGOV_DUPLICATE_METRES,
              "category": incident.category, "open": list(OPEN_STATUSES), "id": incident.pk,
              "since": incident.reported_at - dt.timedelta(hours=settings.GEOGOV_DUPLICATE_HOURS)}
    with connection.cursor() as cursor:
        cursor.execute(sql.load("duplicate_candidates"), params)
        row = cursor.fetchone()
    return (Incident.objects.get(pk=row[0]), row[1]) if row else None


def assign_place(incident: Incident) -> None:
    """Grid and building of the case from its point (two set-based UPDATEs), read back into the instance."""
    one = Incident.objects.filter(pk=incident.pk)
    one.assign_grids()
    one.assign_buildings()
    incident.grid_id, incident.building_id = one.values_list("grid_id", "building_id").get()


def register(channel: str, *, title: str, category: str, description: str = "", location: Point | None = None,
             address: str | None = None, building_code: str | None = None, reporter: dict | None = None,
             user=None, idempotency_key: str | None = None, urgent: bool = False, extra: dict | None = None,
             client: str | None = None, api_client=None,
             render: Callable[[IntakeResult], dict | list] | None = None) -> IntakeResult:
    """Register one case from any channel (see the module docstring); ``client`` scopes the idempotency key
    when there is no user (``api:<id>``, ``iot:<device>``); ``render`` builds the response stored with the key."""
    channel = clean_channel(channel)
    title = clean_text(title, "title", _("标题"), MAX_TITLE, required=True)
    category = clean_text(category, "category", _("类别"), MAX_CATEGORY, required=True)
    description = clean_text(description, "description", _("描述"), MAX_DESCRIPTION, required=False)
    reporter = clean_reporter(reporter)
    key = clean_text(idempotency_key, "idempotency_key", pgettext("intake", "幂等键"), MAX_KEY, required=False)
    if extra is not None and not isinstance(extra, dict):
        raise BadInput(_("附加数据须为对象 / extra must be an object"), field="extra")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = on")  # the dev cluster relaxes it; intake must not
        if key:
            digest = fingerprint(channel=channel, title=title, category=category, description=description,
                                 location=location, address=address, building_code=building_code,
                                 reporter=reporter, urgent=bool(urgent), extra=extra)
            earlier = claim_key(client_of(user, client), key, digest)
            if earlier is not None:
                return replay(earlier)
        point = resolve_location(location, address, building_code)
        now = timezone.now()
        incident = Incident.objects.create(
            code=next_code(now), title=title, category=category, description=description, source=channel,
            status=IncidentStatus.REPORTED, location=point, reported_at=now,
            deadline=intake_deadline(category, urgent, now))
        assign_place(incident)
        held = incident.grid_id is None
        if held:
            Hold.objects.create(incident=incident)
        Reporter.objects.create(incident=incident, reported_case=incident, channel=channel, user=user,
                                client=api_client, **reporter)
        data = {"channel": channel, "urgent": bool(urgent), **({"extra": extra} if extra else {}),
                **({"held": True} if held else {})}
        IncidentTransition.objects.create(incident=incident, action="report", from_status="",
                                          to_status=IncidentStatus.REPORTED, user=user, at=now, data=data)
        duplicate = find_duplicate(incident)
        proposal = duplicate and Duplicate.objects.create(incident=incident, original=duplicate[0],
                                                          distance_m=duplicate[1])
        # one read of what the writes made (generated columns, database defaults, grid and building)
        incident = Incident.objects.select_related("grid", "building").get(pk=incident.pk)
        result = IntakeResult(incident, True, duplicate and duplicate[0], held, None, proposal or None)
        if render:
            result = dataclasses.replace(result, response=render(result))
        if key:
            IdempotencyKey.objects.filter(client=client_of(user, client), key=key).update(
                incident=incident, response=result.response)
    return result


def replay(earlier: IdempotencyKey) -> IntakeResult:
    """The result of the request that first used this key: the same case, the same stored response."""
    incident = earlier.incident
    proposal = Duplicate.objects.filter(incident=incident).select_related("original").first()
    return IntakeResult(incident, False, proposal.original if proposal else None,
                        Hold.objects.filter(incident=incident, placed_at__isnull=True).exists(), earlier.response,
                        proposal)


# ---- held cases: listed for county operators and admins, placed by hand ------------------------------------------


def may_place(user) -> bool:
    from layers.models.access import Profile

    return user.is_superuser or Profile.objects.filter(user_id=user.pk, role__in=(Role.ADMIN, Role.COUNTY)).exists()


def held_for(user):
    """Unplaced held cases this user may place: all for admins, those inside their county for county operators."""
    if not may_place(user):
        raise Forbidden(_("只有县级操作员和管理员可以处理待定位事件 / only county operators and admins place "
                          "held cases"))
    held = Incident.objects.filter(hold__isnull=False, hold__placed_at__isnull=True).order_by("reported_at", "id")
    prefix = area_prefix(user)
    if prefix:
        counties = Division.objects.filter(level="county", code__startswith=prefix[:6])
        held = held.filter(location__within=counties.values("boundary")[:1]) if counties.exists() else held.none()
    return held


def place(incident_id: int, user, location: Point, expected_version: int) -> Incident:
    """Set a held case's point, reassign grid and building, log ``place``; the new grid must be in the user's area."""
    incident = held_for(user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("待定位事件不存在或不在您的管辖范围内 / no such held case in your area"))
    point = clean_point(location)
    with transaction.atomic():
        updated = (Incident.objects.filter(pk=incident.pk, version=expected_version)
                   .update(location=point, version=F("version") + 1))
        if updated == 0:
            raise Conflict(_("该事件已被他人更新，请刷新后重试 / the case was changed meanwhile: reload and retry"),
                           field="version")
        assign_place(incident)
        prefix = area_prefix(user) or ""
        if incident.grid_id is None or not Incident.objects.filter(pk=incident.pk, grid__code__startswith=prefix
                                                                   ).exists():
            raise BadInput(_("该位置不在您管辖的任何网格内 / the point is in no grid of your area"), field="location")
        Hold.objects.filter(incident=incident).update(placed_at=timezone.now(), placed_by=user)
        IncidentTransition.objects.create(incident=incident, action="place", from_status=incident.status,
                                          to_status=incident.status, user=user,
                                          data={"lon": point.x, "lat": point.y})
    incident.refresh_from_db()
    return incident


# ---- duplicates: confirm (merge into the older case) or dismiss ------------------------------------------------


def proposals_for(user):
    """Duplicate proposals whose newer case is inside the user's area."""
    return (Duplicate.objects.filter(incident__in=Incident.objects.for_user(user))
            .select_related("incident", "original"))


def decide(proposal_id: int, user, confirm: bool) -> Duplicate:
    """Confirm (the newer case is closed as merged into the older one, its reporters moved) or dismiss."""
    from incidents.service import actor_of

    proposal = proposals_for(user).filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(_("疑似重复记录不存在或不在您的管辖范围内 / no such duplicate proposal in your area"))
    actor = actor_of(user)
    if not actor.admin and actor.level in (None, "grid"):
        raise Forbidden(_("只有村级及以上操作员可以确认重复 / only village operators and above decide duplicates"))
    if proposal.status != DuplicateStatus.PROPOSED:
        raise BadInput(_("该记录已处理 / this proposal was already decided"), field="status")
    with transaction.atomic():
        if confirm:
            merge(proposal.incident, proposal.original, user)
        proposal.status = DuplicateStatus.CONFIRMED if confirm else DuplicateStatus.DISMISSED
        proposal.decided_by, proposal.decided_at = user, timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


def merge(newer: Incident, older: Incident, user) -> None:
    now = timezone.now()
    closed = (Incident.objects.filter(pk=newer.pk, status__in=OPEN_STATUSES)
              .update(status=IncidentStatus.REJECTED, closed_at=now, version=F("version") + 1))
    if not closed or older.status not in OPEN_STATUSES:
        raise BadInput(_("两件事件须都未办结才能合并 / both cases must still be open to merge"), field="status")
    Reporter.objects.filter(incident=newer).update(incident=older)
    Duplicate.objects.filter(original=newer, status=DuplicateStatus.PROPOSED).update(original=older)
    note = _("与 %(code)s 重复，已合并 / merged into %(code)s") % {"code": older.code}
    IncidentTransition.objects.create(incident=newer, action="merge", from_status=newer.status,
                                      to_status=IncidentStatus.REJECTED, user=user, at=now, note=note,
                                      data={"merged_into": older.pk})
    IncidentTransition.objects.create(incident=older, action="merge", from_status=older.status,
                                      to_status=older.status, user=user, at=now,
                                      note=_("合并了 %(code)s / absorbed %(code)s") % {"code": newer.code},
                                      data={"merged_from": newer.pk})
