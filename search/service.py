"""The map's search box: divisions, grids, buildings and residents in the user's area, best match first.

Every kind is read through its model manager's ``for_user`` (default deny). For each kind the match
modes of ``search.rules.MATCH_TABLE`` run best first, each one query with a LIMIT, until the kind has
enough hits; the hits of all kinds are then ranked together, cut to the limit and grouped by kind.
Residents come back with name, sex, age and a masked ID number only.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Envelope, PointOnSurface
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_governance.errors import BadInput
from layers.idnumber import mask_id_number
from layers.models import Building, Division, DivisionLevel, Grid, GridKind, Resident
from layers.models.buildings import BuildingUse
from layers.models.people import Sex
from search.rules import Mode, conditions

MAX_QUERY_LENGTH = 64
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
COORD_DIGITS = 6


def parse_query(raw: str | None) -> str:
    """The search text, stripped; 400 when empty, too long, or holding control characters (NUL …)."""
    query = (raw or "").strip()
    if not query:
        raise BadInput(_("请输入搜索内容"), field="q")
    if len(query) > MAX_QUERY_LENGTH:
        raise BadInput(_("搜索内容不能超过%(n)s个字符") % {"n": MAX_QUERY_LENGTH}, field="q")
    if any(unicodedata.category(char) == "Cc" for char in query):
        raise BadInput(_("搜索内容不能含有控制字符"), field="q")
    return query


def parse_limit(raw: str | None) -> int:
    """The number of results wanted: DEFAULT_LIMIT when absent, else an integer 1…MAX_LIMIT."""
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw.strip())
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(_("limit 须为1到%(max)s之间的整数") % {"max": MAX_LIMIT}, field="limit")
    return limit


# ---- querysets: scoped through the managers, only the columns a result shows ----

def division_rows(user) -> QuerySet:
    return Division.objects.for_user(user).values(
        "code", "name", "level", "parent__name",
        point=PointOnSurface("boundary"), envelope=Envelope("boundary"))


def grid_rows(user) -> QuerySet:
    return Grid.objects.for_user(user).values(
        "code", "name", "kind", "division__name",
        point=PointOnSurface("boundary"), envelope=Envelope("boundary"))


def building_rows(user) -> QuerySet:
    return Building.objects.for_user(user).values(
        "code", "name", "address", "use", "grid__code", point=PointOnSurface("footprint"))


def resident_rows(user) -> QuerySet:
    return Resident.objects.for_user(user).values(
        "id", "name", "sex", "birth_date", "id_number", "household__code", "household__room",
        "household__building__code", "household__building__address", "household__building__grid__code",
        point=PointOnSurface("household__building__footprint"))


# ---- rows → results ----

def lon_lat(point) -> dict:
    return {"lon": round(point.x, COORD_DIGITS), "lat": round(point.y, COORD_DIGITS)} if point else {}


def bbox(envelope) -> list[float] | None:
    return [round(v, COORD_DIGITS) for v in envelope.extent] if envelope else None


def joined(*parts: str | None) -> str:
    return " · ".join(str(p) for p in parts if p)


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def label_of(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def division_result(row: dict) -> dict:
    return {"code": row["code"], "label": row["name"],
            "detail": joined(label_of(DivisionLevel, row["level"]), row["parent__name"]),
            **lon_lat(row["point"]), "bbox": bbox(row["envelope"]), "building": None, "grid": None}


def grid_result(row: dict) -> dict:
    return {"code": row["code"], "label": row["name"],
            "detail": joined(label_of(GridKind, row["kind"]), row["division__name"]),
            **lon_lat(row["point"]), "bbox": bbox(row["envelope"]), "building": None, "grid": row["code"]}


def building_result(row: dict) -> dict:
    label = row["address"] or row["name"] or row["code"]
    name = row["name"] if row["name"] != label else None
    return {"code": row["code"], "label": label, "detail": joined(name, label_of(BuildingUse, row["use"])),
            **lon_lat(row["point"]), "bbox": None, "building": row["code"], "grid": row["grid__code"]}


def resident_result(row: dict) -> dict:
    """Name, sex, age, masked ID number and the building: nothing else about the person."""
    age = age_on(row["birth_date"], timezone.localdate())
    where = joined(row["household__building__address"] or row["household__building__code"], row["household__room"])
    return {"code": row["household__code"], "label": row["name"],
            "detail": joined(label_of(Sex, row["sex"]), _("%(age)s岁") % {"age": age}, where),
            "id_number_masked": mask_id_number(row["id_number"]),
            **lon_lat(row["point"]), "bbox": None,
            "building": row["household__building__code"], "grid": row["household__building__grid__code"]}


@dataclass(frozen=True)
class Kind:
    name: str
    rows: Callable[..., QuerySet]
    order: tuple[str, ...]
    key: str
    result: Callable[[dict], dict]


KINDS = (
    Kind("division", division_rows, ("code",), "code", division_result),
    Kind("grid", grid_rows, ("code",), "code", grid_result),
    Kind("building", building_rows, ("code",), "code", building_result),
    Kind("resident", resident_rows, ("name", "id"), "id", resident_result),
)


@dataclass(frozen=True)
class Hit:
    mode: Mode
    kind_index: int
    result: dict


def find(kind: Kind, user, query: str, limit: int) -> list[tuple[Mode, dict]]:
    """Up to ``limit`` rows of one kind, best match mode first, each mode one LIMITed query."""
    found: list[tuple[Mode, dict]] = []
    for mode, condition in conditions(kind.name, query):
        remaining = limit - len(found)
        if remaining <= 0:
            break
        rows = kind.rows(user).filter(condition)
        if found:
            rows = rows.exclude(**{f"{kind.key}__in": [row[kind.key] for _, row in found]})
        found += [(mode, row) for row in rows.order_by(*kind.order)[:remaining]]
    return found


def rank_and_group(hits: list[Hit], limit: int) -> list[Hit]:
    """The ``limit`` best hits, grouped by kind; a kind's group sits where its best hit ranks."""
    best = sorted(hits, key=lambda h: (h.mode, h.kind_index))[:limit]
    group_position: dict[int, int] = {}
    for position, hit in enumerate(best):
        group_position.setdefault(hit.kind_index, position)
    return sorted(best, key=lambda h: group_position[h.kind_index])


def search(user, query: str, limit: int = DEFAULT_LIMIT) -> list[dict]:
    """Results for the search box: dicts with kind, code, label, detail, lon/lat, bbox, building, grid."""
    hits = [Hit(mode, index, kind.result(row))
            for index, kind in enumerate(KINDS)
            for mode, row in find(kind, user, query, limit)]
    return [{"kind": KINDS[hit.kind_index].name, **hit.result} for hit in rank_and_group(hits, limit)]
