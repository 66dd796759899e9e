"""/api/planning/: context, preview, commit, a grid's history and the diff of two revisions (thin views)."""

from __future__ import annotations

from functools import wraps

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from shapely.errors import GEOSException

from geo_governance.errors import BadInput
from planning import context as contexts
from planning import history, service

REASON_LIMIT = 200


def geometry_errors_are_bad_input(method):
    """A GEOS error on a drawn geometry is answered 400 with its message, never a 500."""
    @wraps(method)
    def wrapper(self, request: Request, *args, **kwargs) -> Response:
        try:
            return method(self, request, *args, **kwargs)
        except GEOSException as exc:
            raise BadInput(_("几何运算失败，请检查所画图形：%(error)s") % {"error": exc}) from exc
    return wrapper


def body(request: Request) -> tuple:
    """(op, params, revisions) of a preview or commit body."""
    data = request.data if isinstance(request.data, dict) else None
    if data is None:
        raise BadInput(_("请求体须为 JSON 对象"))
    revisions = data.get("revisions") or {}
    if not isinstance(revisions, dict):
        raise BadInput(_("revisions 须为 {网格编码: 版本} 对象"), field="revisions")
    return data.get("op"), data.get("params"), revisions


@extend_schema(parameters=[OpenApiParameter("grid", required=False), OpenApiParameter("parent", required=False)],
               responses=OpenApiTypes.OBJECT)
class ContextView(APIView):
    """The editable set around a grid (?grid=) or of a parent (?parent= village or grid code)."""

    def get(self, request: Request) -> Response:
        grid, parent = request.query_params.get("grid"), request.query_params.get("parent")
        if bool(grid) == bool(parent):
            raise BadInput(_("请给出 grid 或 parent 之一"), field="grid")
        found = contexts.parent_of_grid(grid, request.user) if grid else contexts.find_parent(parent, request.user)
        return Response(service.describe(contexts.load(found), request.user))


class PreviewView(APIView):
    """What an op would do, measured by applying it in a rolled-back savepoint."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    @geometry_errors_are_bad_input
    def post(self, request: Request) -> Response:
        op, params, _revisions = body(request)
        return Response(service.preview(service.draft(op, params, request.user), request.user))


class CommitView(APIView):
    """Save an op: 201 with the change and the grids' new revisions; 409 if the grids changed meanwhile."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    @geometry_errors_are_bad_input
    def post(self, request: Request) -> Response:
        op, params, revisions = body(request)
        reason = request.data.get("reason")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_LIMIT:
            raise BadInput(_("请填写调整事由（不超过200字）"), field="reason")
        draft = service.draft(op, params, request.user)
        report = service.commit(draft, request.user, reason.strip(), revisions)
        return Response(report, status=status.HTTP_201_CREATED)


@extend_schema(responses=OpenApiTypes.OBJECT)
class HistoryView(APIView):
    """Every boundary revision of a grid, newest first (retired codes too)."""

    def get(self, request: Request, code: str) -> Response:
        return Response(history.history(code, request.user))


@extend_schema(parameters=[OpenApiParameter("from", int), OpenApiParameter("to", int)], responses=OpenApiTypes.OBJECT)
class DiffView(APIView):
    """Area added, removed and kept between two revisions of a grid."""

    def get(self, request: Request, code: str) -> Response:
        try:
            old, new = int(request.query_params["from"]), int(request.query_params["to"])
        except (KeyError, ValueError) as exc:
            raise BadInput(_("from 和 to 须为版本号（整数）"), field="from") from exc
        return Response(history.diff(code, request.user, old, new))
