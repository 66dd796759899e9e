"""POST /api/incidents/intake/ (JSON or multipart with photos): grid worker report, desk walk-in, web mailbox."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_governance.errors import BadInput, Forbidden
from incidents import intake
from incidents.channels import photos, render
from incidents.models import IncidentTransition
from layers.models.access import Profile, Role
from layers.models.incidents import Incident

# role → the channels its users may file through (viewers and users without a role: none)
CHANNELS_OF_ROLE = {
    Role.GRID_WORKER: ("grid_worker",),
    Role.VILLAGE: ("grid_worker", "walk_in", "web"),
    Role.TOWN: ("walk_in", "web"),
    Role.COUNTY: ("walk_in", "web"),
    Role.ADMIN: ("grid_worker", "walk_in", "web"),
}
TRUE = {True, "true", "1", "on", "yes"}


def channels_of(user) -> tuple[str, ...]:
    if user.is_superuser:
        return CHANNELS_OF_ROLE[Role.ADMIN]
    role = Profile.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
    return CHANNELS_OF_ROLE.get(role, ())


def point_of(data) -> Point | None:
    lon, lat = data.get("lon"), data.get("lat")
    if lon in (None, "") and lat in (None, ""):
        return None
    try:
        return Point(float(lon), float(lat), srid=4326)
    except (TypeError, ValueError):
        raise BadInput(_("经纬度须为数字 / lon and lat must be numbers"), field="lon") from None


def reporter_of(data) -> dict:
    given = data.get("reporter")
    if isinstance(given, dict):
        return given
    return {"name": data.get("reporter_name", ""), "phone": data.get("reporter_phone", "")}


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
class IntakeView(APIView):
    """File one case; ``Idempotency-Key`` makes a retry answer the first case (201 both times)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def post(self, request: Request) -> Response:
        data = request.data
        channel = data.get("channel") or "grid_worker"
        if channel not in channels_of(request.user):
            raise Forbidden(_("您的角色不能通过该渠道登记事件 / your role may not file through this channel"))
        names = photos.store_all(request.FILES.getlist("photo"))
        result = intake.register(
            channel, title=data.get("title"), category=data.get("category"), description=data.get("description"),
            location=point_of(data), address=data.get("address"), building_code=data.get("building_code"),
            reporter=reporter_of(data), user=request.user, urgent=data.get("urgent") in TRUE,
            idempotency_key=request.headers.get("Idempotency-Key"), extra={"photos": names} if names else None,
            render=render.intake_result)
        headers = {} if result.created else {"Idempotent-Replayed": "true"}
        return Response(result.response, status=201, headers=headers)


def photo(request, name: str) -> FileResponse:
    """A report's photo, for users who may see the case."""
    path = photos.path_of(name)
    visible = IncidentTransition.objects.filter(action="report", data__extra__photos__contains=[name],
                                                incident__in=Incident.objects.for_user(request.user))
    if path is None or not visible.exists():
        raise Http404
    return FileResponse(path.open("rb"))
