"""GET /api/figures/ (JSON), the dashboard /figures/ and /figures/export.xlsx: thin, the work is in service."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from casefigures import presenter, service
from casefigures.areas import LEVEL_LABELS
from casefigures.export import write_workbook
from geo_governance.errors import GeoGovError, json_errors

PARAMS = ("area", "start", "end", "group_by")
PARAM_DOCS = {"area": "division or grid code (default: your area)",
              "start": "YYYY-MM-DD, first day reported (default: 29 days before end)",
              "end": "YYYY-MM-DD, last day reported (default: today)",
              "group_by": "county, town, village or grid (default: the next level down)"}


def asked(request: HttpRequest) -> dict:
    """The query parameters figures() takes; blank ones count as absent."""
    names = {"area": "area_code"}
    return {names.get(p, p): request.GET.get(p) or None for p in PARAMS}


@extend_schema(parameters=[OpenApiParameter(p, str, description=d) for p, d in PARAM_DOCS.items()],
               responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def figures_api(request: Request) -> Response:
    """Figures of ?area= (default: yours) and its children for cases reported from ?start= to ?end= (dates)."""
    return Response(service.figures(request.user, **asked(request)))


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        data, error, status = service.figures(request.user, **asked(request)), None, 200
    except GeoGovError as exc:
        data, error, status = None, exc.message, exc.status_code
    context = {"data": data, "error": error, "asked": request.GET, "headers": presenter.headers()}
    if data:
        context.update(total_cells=presenter.cells(data["total"]), total_breakdowns=presenter.breakdowns(data["total"]),
                       child_rows=[(row, presenter.cells(row)) for row in data["children"]],
                       child_level=LEVEL_LABELS.get(data["group_by"], ""))
    return render(request, "casefigures/dashboard.html", context, status=status)


@require_GET
@json_errors
def export_xlsx(request: HttpRequest) -> FileResponse:
    data = service.figures(request.user, **asked(request))
    with tempfile.TemporaryDirectory(prefix="geogov-figures-") as folder:
        path = write_workbook(data, Path(folder) / "figures.xlsx")
        handle = open(path, "rb")  # noqa: SIM115 — FileResponse closes it; still readable once the folder is gone
    name = f"figures-{data['area']['code'] or 'all'}-{data['period']['start']}-{data['period']['end']}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
