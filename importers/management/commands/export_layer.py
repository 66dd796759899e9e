"""manage.py export_layer <kind> <out file> [--format F] [--area CODE]: the command-line door of the exports.

The format follows the file's ending unless --format names it; --area limits the rows to a division or
grid (by its code; default: everything). Every export is recorded in ExportAudit (user: none, via: cli).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_governance.errors import GeoGovError
from importers.exports import EXPORT_FORMATS, export_layer
from importers.kinds import KINDS


def format_of(path: Path) -> str | None:
    """The export format a file name ends with (.shp.zip and .zip are zipped shapefiles)."""
    name = path.name.lower()
    if name.endswith(".zip"):
        return "shp"
    return next((f.name for f in EXPORT_FORMATS.values() if name.endswith(f.suffix)), None)


class Command(BaseCommand):
    help = "Export a layer (scoped to an area) as GeoPackage, GeoJSON, zipped Shapefile, XLSX or CSV."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument("--format", choices=sorted(EXPORT_FORMATS), help="default: from the file name")
        parser.add_argument("--area", help="code of a division or grid (default: everything)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        fmt = options["format"] or format_of(path)
        if fmt is None:
            raise CommandError(f"无法从文件名判断格式，请用 --format（{', '.join(EXPORT_FORMATS)}） / "
                               "cannot tell the format from the file name: use --format")
        try:
            done = export_layer(options["kind"], "", fmt, path, area=options["area"], via="cli")
        except GeoGovError as exc:
            raise CommandError(exc.message) from None
        area = done.area or "全部 all"
        self.stdout.write(f"已导出 exported {done.rows:,} {done.kind} → {done.path} "
                          f"({EXPORT_FORMATS[done.format].label}, 区域 area {area}, {done.seconds:.2f} s)")
