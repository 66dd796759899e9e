"""manage.py import_layer <kind> <file>: the command-line front door of the import core.

Dry run by default (everything is checked and counted, then rolled back); --commit writes.
Exit status: 0 when the import ran (even with rejected rows), 1 when the file was refused.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_governance.errors import BadInput
from importers.core import ImportRequest, run_import
from importers.kinds import KINDS
from importers.report import REJECT_WRITERS

PHASES = {"open": "打开 open", "read": "读取 read", "validate": "校验 validate", "write": "写入 write",
          "done": "完成 done"}


class Progress:
    """A one-line progress display on stderr (a bar when the phase has a size)."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled = stream, enabled

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width if phase == "done" else int(width * done / total) if total else 0
        size = f" {total:,}" if total > 1 else ""
        self.stream.write(f"\r{PHASES.get(phase, phase):<14} [{'#' * filled}{'.' * (width - filled)}]{size}   ")
        if phase == "done":
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import a layer file (GeoJSON, zipped Shapefile, GeoPackage, KML, CSV, XLSX, OSM) — dry run unless --commit."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="write (default: dry run, nothing written)")
        parser.add_argument("--source-crs", help="gcj02 | bd09 | an EPSG code (4326, 4490, 4491-4554, 3857)")
        parser.add_argument("--swap-axes", action="store_true", help="the file has lat/lon instead of lon/lat")
        parser.add_argument("--encoding", help="text encoding of a .dbf without .cpg or of a CSV (e.g. GBK)")
        parser.add_argument("--layer", help="layer name (GeoPackage or KML with several layers)")
        parser.add_argument("--mapping", help='JSON file {"file header": "field name"} overriding the built-in aliases')
        parser.add_argument("--allow-outside-china", action="store_true",
                            help="accept coordinates outside China's bounds (test data, other countries)")
        parser.add_argument("--rejects", help="write every rejected row to this .csv or .xlsx file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        rejects_path = Path(options["rejects"]) if options["rejects"] else None
        if rejects_path and rejects_path.suffix.lower().lstrip(".") not in REJECT_WRITERS:
            raise CommandError("--rejects must name a .csv or .xlsx file")
        request = ImportRequest(
            kind=options["kind"], path=Path(options["file"]), commit=options["commit"],
            source_crs=options["source_crs"], swap_axes=options["swap_axes"], encoding=options["encoding"],
            layer=options["layer"], mapping_file=options["mapping"],
            allow_outside_china=options["allow_outside_china"])
        progress = Progress(sys.stderr, not options["no_progress"] and sys.stderr.isatty())
        try:
            report = run_import(request, progress)
        except BadInput as exc:
            raise CommandError(exc.message) from None
        for line in report.summary_lines():
            self.stdout.write(line)
        if rejects_path and report.rejects:
            REJECT_WRITERS[rejects_path.suffix.lower().lstrip(".")](report.rejects, rejects_path)
            self.stdout.write(f"拒绝记录 reject report: {rejects_path} ({len(report.rejects):,})")
