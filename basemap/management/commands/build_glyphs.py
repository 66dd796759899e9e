"""manage.py build_glyphs: write static/glyphs/<fontstack>/0-255.pbf (SDF glyphs for map labels)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from basemap import glyphs


class Command(BaseCommand):
    help = "Render the SDF glyphs 0-255 of a local font for MapLibre labels (offline; CJK is drawn by the browser)."

    def add_arguments(self, parser):
        parser.add_argument("--font", type=Path, help="TTF/TTC/OTF file (default: WenQuanYi Micro Hei, else DejaVu)")
        parser.add_argument("--name", help="fontstack name (default: wqy-microhei / dejavu-sans)")
        parser.add_argument("--out", type=Path, default=glyphs.GLYPHS_DIR, help="glyphs folder (static/glyphs)")

    def handle(self, *args, font: Path | None, name: str | None, out: Path, **options):
        if font is None:
            try:
                default_name, font = glyphs.default_font()
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from exc
            name = name or default_name
        elif not font.is_file():
            raise CommandError(f"no font file at {font}")
        target = glyphs.build(font, name or font.stem.lower(), out)
        self.stdout.write(f"wrote {target} ({target.stat().st_size} bytes)")
