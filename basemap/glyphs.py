"""Signed-distance-field glyphs for MapLibre labels, encoded as the glyphs protobuf, from a local font.

MapLibre draws text from glyph ranges at ``glyphs/{fontstack}/{start}-{end}.pbf``. Each glyph is a
24-px rendering turned into a signed distance field (radius 8 px, cutoff 0.25, the values MapLibre's
shader expects) with a 3-px border, plus its metrics. Only 0–255 is built: CJK is drawn in the
browser by MapLibre (``localIdeographFontFamily``). The protobuf (glyphs.proto of the Mapbox GL
ecosystem) is small enough to write by hand:

    message glyphs    { repeated fontstack stacks = 1; }
    message fontstack { required string name = 1; required string range = 2; repeated glyph glyphs = 3; }
    message glyph     { required uint32 id = 1; optional bytes bitmap = 2; required uint32 width = 3;
                        required uint32 height = 4; required sint32 left = 5; required sint32 top = 6;
                        required uint32 advance = 7; }
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FONT_SIZE = 24  # px, as MapLibre lays glyphs out
BUFFER = 3  # px of border around each bitmap (GLYPH_PBF_BORDER in MapLibre)
RADIUS = 8  # px over which the distance field runs
CUTOFF = 0.25  # share of the 0–255 range used for the inside of the glyph
# Fonts tried in order when none is given: Debian's fonts-wqy-microhei (`make setup`), then DejaVu.
FONT_CANDIDATES = [
    ("wqy-microhei", Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
    ("dejavu-sans", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")),
]
GLYPHS_DIR = Path(__file__).resolve().parent.parent / "static" / "glyphs"


@dataclass(frozen=True)
class Glyph:
    id: int
    bitmap: bytes  # (width + 2·BUFFER) × (height + 2·BUFFER) SDF bytes; b"" for a glyph without ink
    width: int
    height: int
    left: int
    top: int
    advance: int


# --- signed distance field -------------------------------------------------------------------

def _squared_distance(grid: np.ndarray) -> np.ndarray:
    """min over q of |p − q|² + grid[q] (exact squared Euclidean distance transform, two 1-D passes)."""
    h, w = grid.shape
    cols, rows = np.arange(w), np.arange(h)
    along_rows = (grid[:, None, :] + ((cols[:, None] - cols[None, :]) ** 2)[None]).min(axis=2)
    return (along_rows[None, :, :] + ((rows[:, None] - rows[None, :]) ** 2)[:, :, None]).min(axis=1)


def signed_distance_field(alpha: np.ndarray) -> np.ndarray:
    """Coverage 0..1 (already padded by BUFFER) → SDF bytes: 191 on the outline, more inside, less outside."""
    outer = np.where(alpha >= 1, 0.0, np.where(alpha <= 0, np.inf, np.maximum(0, 0.5 - alpha) ** 2))
    inner = np.where(alpha >= 1, np.inf, np.where(alpha <= 0, 0.0, np.maximum(0, alpha - 0.5) ** 2))
    distance = np.sqrt(_squared_distance(outer)) - np.sqrt(_squared_distance(inner))
    return np.clip(np.round(255 - 255 * (distance / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)


# --- rendering with Pillow ----------------------------------------------------------------

def load_font(path: Path):
    from PIL import ImageFont  # Pillow: a dev dependency, only this generator needs it

    return ImageFont.truetype(str(path), FONT_SIZE, index=0)


def _ink(font, char: str) -> tuple[np.ndarray, int, int]:
    """(coverage 0..1 cropped to the ink, left bearing, top bearing above the baseline) of one character."""
    from PIL import Image, ImageDraw

    size, origin = FONT_SIZE * 4, (FONT_SIZE, FONT_SIZE * 3)
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).text(origin, char, fill=255, font=font, anchor="ls")
    box = image.getbbox()
    if box is None:
        return np.zeros((0, 0)), 0, 0
    coverage = np.asarray(image.crop(box), dtype=float) / 255.0
    return coverage, box[0] - origin[0], origin[1] - box[1]


def render_glyph(font, codepoint: int) -> Glyph:
    char = chr(codepoint)
    ascender = font.getmetrics()[0]
    advance = round(font.getlength(char))
    coverage, left, top = _ink(font, char)
    if coverage.size == 0:
        return Glyph(codepoint, b"", 0, 0, 0, -ascender, advance)
    height, width = coverage.shape
    field = signed_distance_field(np.pad(coverage, BUFFER))
    return Glyph(codepoint, field.tobytes(), width, height, left, top - ascender, advance)


def _missing_glyph(font) -> bytes:
    """The coverage of the font's .notdef box, to recognise characters the font lacks."""
    return _ink(font, "\U0010fffd")[0].tobytes()


def render_range(font, start: int, end: int) -> list[Glyph]:
    """The glyphs of the font for start..end, leaving out control characters and ones the font lacks."""
    notdef, glyphs = _missing_glyph(font), []
    for codepoint in range(start, end + 1):
        char = chr(codepoint)
        if unicodedata.category(char) in {"Cc", "Cn"}:
            continue
        if char.strip() and _ink(font, char)[0].tobytes() == notdef:
            continue
        glyphs.append(render_glyph(font, codepoint))
    return glyphs


# --- protobuf encoding ----------------------------------------------------------------

def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3 | 0) + _varint(value)


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def encode_glyph(glyph: Glyph) -> bytes:
    return b"".join([
        _field_varint(1, glyph.id),
        _field_bytes(2, glyph.bitmap) if glyph.bitmap else b"",
        _field_varint(3, glyph.width),
        _field_varint(4, glyph.height),
        _field_varint(5, _zigzag(glyph.left)),
        _field_varint(6, _zigzag(glyph.top)),
        _field_varint(7, glyph.advance),
    ])


def encode_fontstack(name: str, start: int, end: int, glyphs: list[Glyph]) -> bytes:
    """A whole `glyphs` message with one fontstack: what one {start}-{end}.pbf file holds."""
    stack = _field_bytes(1, name.encode()) + _field_bytes(2, f"{start}-{end}".encode())
    stack += b"".join(_field_bytes(3, encode_glyph(g)) for g in glyphs)
    return _field_bytes(1, stack)


# --- the whole job ----------------------------------------------------------------

def default_font() -> tuple[str, Path]:
    """(fontstack name, font path) of the first installed candidate font."""
    for name, path in FONT_CANDIDATES:
        if path.is_file():
            return name, path
    tried = ", ".join(str(p) for _, p in FONT_CANDIDATES)
    raise FileNotFoundError(f"no font found (tried {tried}); install fonts-wqy-microhei or pass --font")


def build(font_path: Path, fontstack: str, out_dir: Path, start: int = 0, end: int = 255) -> Path:
    """Render start..end of the font and write out_dir/<fontstack>/<start>-<end>.pbf; return its path."""
    font = load_font(font_path)
    target = out_dir / fontstack / f"{start}-{end}.pbf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(encode_fontstack(fontstack, start, end, render_range(font, start, end)))
    return target
