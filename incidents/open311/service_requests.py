"""Service requests as Open311 shows them: which cases a client sees, the filters, the spec's fields."""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_governance.errors import BadInput
from incidents.models import ApiClient, IncidentTransition, Reporter
from incidents.open311.services import SERVICES, service_of_category
from layers.models.incidents import OPEN_STATUSES, Incident

MAX_RESULTS = 1000
STATUSES = {"open": Q(status__in=OPEN_STATUSES), "closed": ~Q(status__in=OPEN_STATUSES)}


def visible(client: ApiClient) -> QuerySet:
    """Cases in the client's area ('' = all, held ones too), and every case this client filed (a held one too)."""
    if not client.area_code:
        return Incident.objects.all()
    filed = Reporter.objects.filter(client=client).values("reported_case_id")
    return Incident.objects.filter(Q(grid__code__startswith=client.area_code) | Q(pk__in=filed))


def filtered(cases: QuerySet, *, codes: list[str], statuses: list[str], start: dt.datetime,
             end: dt.datetime) -> QuerySet:
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        raise BadInput(_("status 只能是 open 或 closed / status must be open or closed"))
    if codes:
        categories = [SERVICES[c].category for c in codes if c in SERVICES]
        cases = cases.filter(any_of([Q(category=c) | Q(category__startswith=c + "/") for c in categories]))
    if statuses:
        cases = cases.filter(any_of([STATUSES[s] for s in statuses]))
    return cases.filter(reported_at__gte=start, reported_at__lte=end).order_by("-reported_at", "-id")


def any_of(conditions: list[Q]) -> Q:
    """OR of the conditions; none matches nothing."""
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def with_details(cases: QuerySet) -> list[Incident]:
    """Newest first, at most MAX_RESULTS, each with its last step's time and note and its report's data
    (three correlated subqueries on the transition log's (incident, at) index, no query per case)."""
    log = IncidentTransition.objects.filter(incident=OuterRef("pk")).order_by("-at", "-id")
    return list(cases.select_related("building").annotate(
        updated=Subquery(log.values("at")[:1]),
        notes=Subquery(log.exclude(note="").values("note")[:1]),
        report=Subquery(log.filter(action="report").values("data")[:1]),
    ).order_by("-reported_at", "-id")[:MAX_RESULTS])


def extra_of(form) -> dict:
    """What Open311 sends that the case keeps: media_url, device/account ids and attribute[…] values."""
    attributes = {key[len("attribute["):-1]: form.getlist(key) for key in form if key.startswith("attribute[")
                  and key.endswith("]")}
    kept = {name: form.get(name) for name in ("media_url", "device_id", "account_id", "email") if form.get(name)}
    return {**kept, **({"attributes": attributes} if attributes else {})} or None


def w3(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def media_url(incident: Incident, request) -> str | None:
    extra = (incident.report or {}).get("extra") or {}
    if extra.get("photos"):
        return request.build_absolute_uri(f"/incidents/photos/{extra['photos'][0]}")
    return extra.get("media_url")


def as_json(incident: Incident, request) -> dict:
    """One service request with exactly the spec's fields."""
    service = service_of_category(incident.category)
    building = incident.building
    return {
        "service_request_id": incident.code,
        "status": "open" if incident.status in OPEN_STATUSES else "closed",
        "status_notes": incident.notes or None,
        "service_name": str(service.name) if service else incident.category,
        "service_code": service.code if service else None,
        "description": incident.description or None,
        "agency_responsible": incident.responsible_unit,
        "service_notice": None,
        "requested_datetime": w3(incident.reported_at),
        "updated_datetime": w3(incident.updated or incident.reported_at),
        "expected_datetime": w3(incident.deadline),
        "address": building.address if building and building.address else None,
        "address_id": building.code if building else None,
        "zipcode": None,
        "lat": round(incident.location.y, 7),
        "long": round(incident.location.x, 7),
        "media_url": media_url(incident, request),
    }
