"""GET /export/<kind>.<fmt>[?area=CODE]: a layer of the user's area as a file (thin: the work is in exports.py)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from geo_governance.errors import json_errors
from importers.exports import EXPORT_FORMATS, export_layer, file_name


@require_GET
@json_errors
def export(request: HttpRequest, kind: str, fmt: str) -> FileResponse:
    """400 for an unknown kind or format, 403 for residents without the right to reveal, 404 outside the area."""
    folder = Path(tempfile.mkdtemp(prefix="geogov-export-", dir=settings.GEOGOV_IMPORT_TMP))
    try:
        done = export_layer(kind, request.user, fmt, folder / file_name(kind, fmt, ""),
                            area=request.GET.get("area") or None, via="web")
        handle = open(done.path, "rb")  # still readable after its folder is removed
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return FileResponse(handle, as_attachment=True, filename=file_name(done.kind, done.format, done.area),
                        content_type=EXPORT_FORMATS[done.format].content_type)
