"""POST /api/planning/proposals/: an automatic layout of a village's grids or of one leaf grid's sub-grids."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_governance.errors import BadInput
from planning import context as contexts
from planning.proposals import propose


class ProposalsView(APIView):
    """Body {parent, seed?, rule?, barriers?} → {op: "replace", params, quality, rule, problems, seconds}."""

    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else None
        if data is None:
            raise BadInput(_("请求体须为 JSON 对象"))
        contexts.require_planner(request.user)
        parent = data.get("parent")
        if not isinstance(parent, str) or not (contexts.VILLAGE_CODE.match(parent) or contexts.GRID_CODE.match(parent)):
            raise BadInput(_("上级编码须为12位村（社区）代码或网格编码"), field="parent")
        found = contexts.find_parent(parent, request.user)
        return Response(propose(found, data.get("seed", 0), data.get("rule"), data.get("barriers")))
