"""The format table: how each kind of file is recognised (by its bytes, not its name) and read.

Every reader gives the same two things: ``info()`` (column headers, geometry type, CRS, feature
count: enough to check the layer against the target before any feature is read) and ``read()``
(a ``Table`` of raw column values, geometries and source row numbers). Vector formats go through
GDAL (pyogrio); CSV and XLSX are read here, with geometry from lon/lat or WKT columns.

Bounded work on hostile files: a feature over the vertex limit is refused before it is built where
the format lets us measure it first (Shapefile: record lengths in the .shx; GeoPackage: blob lengths
from SQLite; GeoJSON: a byte scan for the longest string-free run of '[', then GDAL's per-object
parser cap; KML: the tuples of each <coordinates> list), else its row is rejected by the geometry check.
XML is scanned whole for DOCTYPE/ENTITY declarations before any parser sees it; zips go through
``archive`` (an XLSX is checked for a bomb before calamine opens it).
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from geo_governance.errors import BadInput
from importers import archive
from importers.geometry import UNREADABLE

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SQLITE_MAGIC = b"SQLite format 3\x00"
SHP_MAGIC = b"\x00\x00\x27\x0a"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" (tab-separated UTF-16)
SNIFF_BYTES = 64 * 1024


@dataclass
class LayerInfo:
    headers: list[str]
    geometry_type: str | None  # as GDAL names it ("Polygon", "Point" …); "columns" for CSV/XLSX
    crs: str | None
    count: int
    layer: str | None = None


@dataclass
class Table:
    columns: dict[str, np.ndarray]  # header → raw values (object arrays, all of one length)
    geometry: np.ndarray | None  # shapely geometries or None per row
    row_numbers: np.ndarray  # feature number (vector) or spreadsheet row (CSV/XLSX, header is row 1)

    def __len__(self) -> int:
        return len(self.row_numbers)


@dataclass
class ReadOptions:
    encoding: str | None = None  # e.g. "GBK" for a .dbf without .cpg
    layer: str | None = None
    source_crs_given: bool = False
    max_unpacked_bytes: int = 4 << 30
    workdir: Path | None = None  # the import's own temporary folder (zips unpack there)
    max_vertices: int = 500_000  # per feature; bounds what a reader may build before the geometry check


# ---------------------------------------------------------------- recognising a file

def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


XML_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
XML_REFUSED = ("XML 文件含有 DOCTYPE/实体声明，出于安全原因拒绝 / XML with DOCTYPE or entity declarations is refused "
               "(external entities)")


XML_CHUNK = 1 << 20
XML_CARRY = 32  # bytes carried into the next chunk, so that no tag or declaration is cut in two
COORDS_OPEN, COORDS_CLOSE = b"<coordinates>", b"</coordinates>"


@dataclass
class _CoordinateRuns:
    """Counts the tuples of each KML <coordinates> run as the bytes stream by; refuses one over the limit."""

    limit: int
    inside: bool = False
    tuples: int = 0
    runs: int = 0

    def feed(self, data: bytes, end: int) -> int:
        """Scan data[:end]; returns how far it got (the rest is carried into the next chunk)."""
        pos = 0
        while pos < end:
            if not self.inside:
                start = data.find(COORDS_OPEN, pos)
                if not 0 <= start < end:
                    return end
                self.inside, self.tuples, self.runs, pos = True, 0, self.runs + 1, start + len(COORDS_OPEN)
                continue
            close = data.find(COORDS_CLOSE, pos)
            closed = 0 <= close < end
            if closed:
                stop = close
            else:  # up to the last whitespace before the chunk end, so that no tuple is cut in two
                cut = max(data.rfind(ws, pos, end) for ws in (b" ", b"\n", b"\t", b"\r"))
                if cut < pos and end - pos < XML_CHUNK:
                    return pos  # a tuple still being read: wait for the next chunk
                stop = cut + 1 if cut >= pos else end  # no whitespace in a whole chunk: one giant token
            self.tuples += len(data[pos:stop].split())
            if self.tuples > self.limit:
                raise BadInput(f"KML 第 {self.runs} 个坐标串超过 {self.limit:,} 个顶点，超过导入上限 / KML coordinates "
                               f"list {self.runs} holds more than {self.limit:,} vertices", field="file")
            if not closed:
                return stop
            self.inside, pos = False, close + len(COORDS_CLOSE)
        return pos


def refuse_xml_declarations(path: Path, max_vertices: int | None = None) -> None:
    """One pass over a whole XML file: refuse DOCTYPE/ENTITY declarations (a comment may push them past the
    sniffed head) and, given a vertex limit (KML), a <coordinates> list over it, before a DOM parser builds it."""
    runs = _CoordinateRuns(max_vertices) if max_vertices else None
    carry = b""
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(XML_CHUNK)
            data = carry + chunk
            if XML_DECLARATIONS.search(data):
                raise BadInput(XML_REFUSED, field="file")
            end = len(data) if not chunk else max(0, len(data) - XML_CARRY)
            carry = data[runs.feed(data, end) if runs else end:]
            if not chunk:
                return


def _xml_kind(head: bytes) -> str | None:
    text = head.removeprefix(UTF8_BOM).lstrip()[:SNIFF_BYTES].decode("utf-8", "replace")
    if not text.startswith("<"):
        return None
    if XML_DECLARATIONS.search(head):
        raise BadInput(XML_REFUSED, field="file")
    if re.search(r"<kml[\s>]", text):
        return "kml"
    if re.search(r"<osm[\s>]", text):
        return "osm"
    return "xml"


def _zip_kind(path: Path) -> str:
    import zipfile

    try:
        names = zipfile.ZipFile(path).namelist()
    except (zipfile.BadZipFile, OSError):
        raise BadInput("不是有效的 zip 压缩包 / not a valid zip file", field="file") from None
    lower = [n.lower() for n in names]
    if "[content_types].xml" in lower and any(n.startswith("xl/") for n in lower):
        return "xlsx"
    if any(n.endswith(".shp") for n in lower):
        return "shapefile"
    if any(n.endswith(".kml") for n in lower):
        return "kml"
    if any(n.endswith(".gpkg") for n in lower):
        return "gpkg"
    raise BadInput("压缩包中没有可导入的文件（.shp、.kml、.gpkg） / the zip holds no .shp, .kml or .gpkg", field="file")


def sniff(path: Path) -> str:
    """The format the bytes say, whatever the name says."""
    head = _head(path)
    if not head:
        raise BadInput("文件为空 / the file is empty", field="file")
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(SQLITE_MAGIC):
        return "gpkg"
    if head.startswith(SHP_MAGIC):
        return "shapefile"
    if b"OSMHeader" in head[:64]:
        return "osm"
    if head.startswith(UTF16_BOMS):
        return "csv"
    stripped = head.removeprefix(UTF8_BOM).lstrip()
    if stripped[:1] in (b"{", b"["):
        return "geojson"
    xml = _xml_kind(head)
    if xml in ("kml", "osm"):
        return xml
    if xml == "xml":
        raise BadInput("无法识别的 XML 文件（应为 KML 或 OSM） / unrecognised XML (expected KML or OSM)", field="file")
    if b"\x00" in head:
        raise BadInput("无法识别的二进制文件 / unrecognised binary file", field="file")
    return "csv"


# extension → the formats a file so named may hold
EXTENSIONS = {
    ".geojson": {"geojson"}, ".json": {"geojson"}, ".zip": {"shapefile", "kml", "gpkg"}, ".shp": {"shapefile"},
    ".gpkg": {"gpkg"}, ".kml": {"kml"}, ".kmz": {"kml"}, ".csv": {"csv"}, ".txt": {"csv"}, ".tsv": {"csv"},
    ".xlsx": {"xlsx"}, ".osm": {"osm"}, ".pbf": {"osm"},
}


def detect(path: Path, name: str | None = None) -> str:
    """The file's format; refuses a file whose content is not what its extension says."""
    sniffed = sniff(path)
    suffix = Path(name or path.name).suffix.lower()
    expected = EXTENSIONS.get(suffix)
    if expected is None:
        raise BadInput(f"不支持的文件类型：{suffix or '（无扩展名）'}（支持 {'、'.join(sorted(EXTENSIONS))}） / "
                       "unsupported file type", field="file")
    if sniffed not in expected:
        raise BadInput(f"文件内容与扩展名不符：扩展名为 {suffix}，内容是 {FORMATS[sniffed].label} / "
                       f"the file is named {suffix} but holds {sniffed}", field="file")
    return sniffed


# ---------------------------------------------------------------- vector files through GDAL

# GDAL's own words for a problem we can name more clearly (matched in its error message)
GDAL_MESSAGES = {
    "too complex/large": "GeoJSON 中有要素过大（顶点过多），超过导入上限 / a GeoJSON feature is too large (too many "
                         "vertices) for the import limit",
    "Unable to open": "无法打开文件（文件已损坏或缺少组成文件） / cannot open the file (damaged or a part is missing)",
    "not recognized as": "文件已损坏或格式无法识别 / the file is damaged or not a supported format",
    "codec can't decode": "属性表文字无法按所声明的编码（.cpg 或 --encoding）解码，请用 --encoding 指明（如 GBK） / "
                          "the attribute text does not decode with the declared encoding (.cpg or --encoding): "
                          "name it with --encoding (e.g. GBK)",
    "out of bounds for axis 0": "文件中没有图层 / the file holds no layer",  # pyogrio on a dataset without layers
}
# GDAL's accounting of a GeoJSON object in memory per [x, y] pair (measured: ~572 bytes), to cap a
# single feature near the vertex limit before GDAL builds it; GDAL's own default cap is 200 MB.
GEOJSON_BYTES_PER_VERTEX = 600
GEOJSON_MAX_OBJECT_MB = 200


def _gdal_error(exc: Exception, zh: str, en: str) -> BadInput:
    text = str(exc)
    for needle, message in GDAL_MESSAGES.items():
        if needle in text:
            return BadInput(message, field="file")
    return BadInput(f"{zh}：{text[:200]} / {en}", field="file")


@dataclass
class VectorSource:
    path: Path
    options: ReadOptions
    layer: str | None = None
    where: str | None = None
    encoding: str | None = None
    post: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]] | None = None  # e.g. OSM tags → columns
    extra_headers: list[str] = field(default_factory=list)
    open_options: dict[str, str] = field(default_factory=dict)  # GDAL dataset open options
    notes: list[str] = field(default_factory=list)  # GDAL's warnings while reading, for the report

    def info(self) -> LayerInfo:
        import pyogrio

        try:
            with gdal_notes(self.notes):
                meta = pyogrio.read_info(self.path, layer=self.layer, encoding=self.encoding,
                                         force_feature_count=True, **self.open_options)
        except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError / RuntimeError
            raise _gdal_error(exc, "无法读取文件", "GDAL cannot read the file") from None
        count = int(meta.get("features") or 0)
        if count <= 0 and self.where is None:
            raise BadInput("图层为空，没有要素 / the layer holds no features", field="file")
        headers = [str(h) for h in meta["fields"]] + self.extra_headers
        return LayerInfo(headers, meta.get("geometry_type"), meta.get("crs"), count, self.layer)

    def read(self, geometry_columns=None) -> Table:
        import pyogrio.raw

        try:
            with gdal_notes(self.notes):
                meta, _, wkb, values = pyogrio.raw.read(self.path, layer=self.layer, encoding=self.encoding,
                                                        where=self.where, **self.open_options)
        except Exception as exc:
            raise _gdal_error(exc, "读取要素失败", "GDAL failed reading the features") from None
        columns = {str(name): np.asarray(col, dtype=object) for name, col in zip(meta["fields"], values, strict=True)}
        if self.post:
            columns = self.post(columns)
        n = len(wkb) if wkb is not None else (len(next(iter(columns.values()))) if columns else 0)
        if n == 0:
            raise BadInput("图层为空，没有要素 / the layer holds no features", field="file")
        geometry = _from_wkb(wkb) if wkb is not None else None
        return Table(columns, geometry, np.arange(1, n + 1))


@contextmanager
def gdal_notes(notes: list[str]):
    """Collect the warnings GDAL raises through pyogrio (unclosed rings …) into ``notes`` instead of stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        yield
    for warning in caught:
        text = f"GDAL: {str(warning.message)[:200]}"
        if text not in notes:
            notes.append(text)


def _from_wkb(wkb: np.ndarray) -> np.ndarray:
    """Geometries from GDAL's WKB in one call; a blob GEOS cannot parse (e.g. a ring of fewer than 3 points in a
    clipped OSM extract) becomes UNREADABLE, a null one None."""
    with np.errstate(invalid="ignore"):  # NaN coordinates are refused by name later, not warned about here
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    unreadable = np.equal(geoms, None) & ~np.equal(wkb, None)
    geoms[unreadable] = UNREADABLE
    return geoms


DBF_SAMPLE_BYTES = 16 << 20  # enough of a .dbf to tell UTF-8 from GBK


def _dbf_encoding(dbf: Path) -> str | None:
    """A .dbf without .cpg: its language driver byte, else UTF-8 if the bytes decode, else GB18030."""
    if dbf.with_suffix(".cpg").exists() or dbf.with_suffix(".CPG").exists():
        return None
    with open(dbf, "rb") as handle:
        data = handle.read(DBF_SAMPLE_BYTES)
    if len(data) > 29 and data[29] in (0x4D, 0x7A):  # code page 936 (GBK) language drivers
        return "GB18030"
    try:
        data[32:].decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError as exc:
        cut_at_sample_end = len(data) == DBF_SAMPLE_BYTES and exc.start >= len(data) - 32 - 3
        return "UTF-8" if cut_at_sample_end else "GB18030"


def _sibling(shp: Path, suffix: str) -> Path | None:
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def shapefile_source(path: Path, options: ReadOptions) -> VectorSource:
    if path.suffix.lower() == ".zip":
        folder = options.workdir / "unpacked"
        folder.mkdir()
        files = archive.unpack(path, folder, options.max_unpacked_bytes)
        path = _the_shp([f for f in files if f.suffix.lower() == ".shp"], options.layer)
    missing = [s for s in (".shx", ".dbf") if _sibling(path, s) is None]
    if not options.source_crs_given and _sibling(path, ".prj") is None:
        missing.append(".prj")
    if missing:
        hint = ("；缺 .prj 时可用 --source-crs 指明坐标系 / name the CRS with --source-crs"
                if missing == [".prj"] else "")
        raise BadInput(f"Shapefile 缺少 {'、'.join(missing)} 文件{hint} / the shapefile lacks {', '.join(missing)}",
                       field="file")
    _refuse_oversized_shapes(_sibling(path, ".shx"), options.max_vertices)
    if options.encoding:
        _known_encoding(options.encoding)
    encoding = options.encoding or _dbf_encoding(_sibling(path, ".dbf"))
    return VectorSource(path, options, encoding=encoding)


# Bytes per vertex in a .shp record by shape type (x y; x y m; x y z m), after a 44-byte record header
SHP_VERTEX_BYTES = {**dict.fromkeys((1, 3, 5, 8), 16), **dict.fromkeys((21, 23, 25, 28), 24),
                    **dict.fromkeys((11, 13, 15, 18), 32)}
SHP_RECORD_HEAD = 44


def _refuse_oversized_shapes(shx: Path, max_vertices: int) -> None:
    """The .shx index holds every record's length: a feature over the vertex limit is refused before GDAL reads it."""
    head = shx.read_bytes()[:100]
    if len(head) < 100:
        return  # GDAL names a broken index itself
    per_vertex = SHP_VERTEX_BYTES.get(int.from_bytes(head[32:36], "little"), 16)
    lengths = np.fromfile(shx, dtype=">i4", offset=100)[1::2].astype(np.int64) * 2  # 16-bit words → bytes
    if not len(lengths):
        return
    largest = int(np.argmax(lengths))
    vertices = (int(lengths[largest]) - SHP_RECORD_HEAD) // per_vertex
    if vertices > max_vertices:
        raise BadInput(f"第 {largest + 1} 个要素约有 {vertices:,} 个顶点，超过上限 {max_vertices:,}，请先简化 / "
                       f"feature {largest + 1} has about {vertices:,} vertices, more than {max_vertices:,}",
                       field="file")


def _the_shp(shps: list[Path], layer: str | None) -> Path:
    """The zip's one .shp, or the one --layer names (its file name without .shp)."""
    named = [p for p in shps if p.stem == layer] if layer is not None else shps
    if len(named) == 1:
        return named[0]
    if not shps:
        raise BadInput("压缩包中没有 .shp 文件 / the zip holds no .shp", field="file")
    names = "、".join(sorted(p.stem for p in shps))
    if layer is not None:
        raise BadInput(f"压缩包中没有名为 {layer} 的 Shapefile（有：{names}） / no shapefile named {layer!r} in "
                       "the zip", field="layer")
    raise BadInput(f"压缩包含多个 Shapefile，请用 --layer 指定：{names} / several shapefiles in the zip: name one "
                   "with --layer", field="layer")


def _known_encoding(name: str) -> None:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise BadInput(f"未知的编码：{name} / unknown encoding", field="encoding") from None


def _single_member(path: Path, options: ReadOptions, suffix: str) -> Path:
    if path.suffix.lower() not in (".zip", ".kmz"):
        return path
    folder = options.workdir / "unpacked"
    folder.mkdir()
    found = [f for f in archive.unpack(path, folder, options.max_unpacked_bytes) if f.suffix.lower() == suffix]
    if len(found) != 1:
        raise BadInput(f"压缩包中应恰有一个 {suffix} 文件 / the zip must hold exactly one {suffix}", field="file")
    return found[0]


def _the_layer(path: Path, options: ReadOptions, label: str) -> str | None:
    """The --layer given, else the file's only layer with geometry; several: the user must name one."""
    import pyogrio

    if options.layer is not None:
        return options.layer
    try:
        layers = [row[0] for row in pyogrio.list_layers(path) if row[1] is not None]
    except Exception as exc:
        raise _gdal_error(exc, f"无法读取 {label}", f"cannot read the {label}") from None
    if len(layers) > 1:
        raise BadInput(f"{label} 含多个图层，请用 --layer 指定：{'、'.join(layers)} / several layers: name one",
                       field="layer")
    return layers[0] if layers else None


def kml_source(path: Path, options: ReadOptions) -> VectorSource:
    path = _single_member(path, options, ".kml")
    refuse_xml_declarations(path, options.max_vertices)  # the whole document, unpacked from a KMZ too
    return VectorSource(path, options, layer=_the_layer(path, options, "KML"))


def gpkg_source(path: Path, options: ReadOptions) -> VectorSource:
    path = _single_member(path, options, ".gpkg")
    layer = _the_layer(path, options, "GeoPackage")
    if layer is not None:
        _refuse_oversized_blobs(path, layer, options.max_vertices)
    return VectorSource(path, options, layer=layer)


# A GeoPackage geometry blob: an 8-byte header, an envelope (0-64 bytes), then WKB (16-32 bytes a vertex)
GPKG_BLOB_HEAD = 8 + 32 + 9
WKB_VERTEX_BYTES = {"": 16, " Z": 24, " M": 24, " ZM": 32}


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _refuse_oversized_blobs(path: Path, layer: str, max_vertices: int) -> None:
    """The largest geometry blob, measured by SQLite without reading it: over the vertex limit is refused up front."""
    import pyogrio.raw

    try:
        info = pyogrio.read_info(path, layer=layer)
        geometry, fid = info["geometry_name"] or "geom", info["fid_column"] or "fid"
        dims = re.search(r"( ZM| Z| M)?$", info["geometry_type"] or "").group(1) or ""
        # "+ 0": a bare fid column would come back as the FID, not as a value
        _, _, _, (fids, sizes) = pyogrio.raw.read(
            path, sql=f"SELECT {_sql_name(fid)} + 0 AS f, length({_sql_name(geometry)}) AS n FROM {_sql_name(layer)} "
                      "ORDER BY n DESC LIMIT 1", read_geometry=False)
    except Exception:  # a layer GDAL cannot query so is read (and judged) as usual
        return
    if not len(sizes) or sizes[0] is None:
        return
    vertices = (int(sizes[0]) - GPKG_BLOB_HEAD) // WKB_VERTEX_BYTES[dims]
    if vertices > max_vertices:
        raise BadInput(f"要素 fid={int(fids[0])} 约有 {vertices:,} 个顶点，超过上限 {max_vertices:,}，请先简化 / "
                       f"feature fid={int(fids[0])} has about {vertices:,} vertices, more than {max_vertices:,}",
                       field="file")


def _longest_unquoted_bracket_run(path: Path) -> int:
    """The most '[' between two '"' in a JSON file: a geometry's coordinates hold no string, so this is about
    the vertex count of its largest geometry (plus one per ring and part). One pass, numpy per 1 MB chunk."""
    longest = running = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(XML_CHUNK):
            codes = np.frombuffer(chunk, dtype=np.uint8)
            brackets = np.cumsum(codes == ord("["))
            quotes = np.flatnonzero(codes == ord('"'))
            if not len(quotes):
                running += int(brackets[-1])
                longest = max(longest, running)
                continue
            at_quotes = brackets[quotes]
            longest = max(longest, running + int(at_quotes[0]), int(np.diff(at_quotes).max(initial=0)))
            running = int(brackets[-1] - at_quotes[-1])
    return max(longest, running)


GEOJSON_SCAN_SLACK = 1.05  # brackets of rings and parts on top of the vertices: refuse only what is clearly over


def geojson_source(path: Path, options: ReadOptions) -> VectorSource:
    import pyogrio

    vertices = _longest_unquoted_bracket_run(path)
    if vertices > options.max_vertices * GEOJSON_SCAN_SLACK:
        raise BadInput(f"GeoJSON 中有要素约有 {vertices:,} 个顶点，超过上限 {options.max_vertices:,}，请先简化 / a "
                       f"GeoJSON feature has about {vertices:,} vertices, more than {options.max_vertices:,}",
                       field="file")

    # a feature over the vertex limit is refused by GDAL's parser before it is built in memory
    cap = min(GEOJSON_MAX_OBJECT_MB, 1 + options.max_vertices * GEOJSON_BYTES_PER_VERTEX // (1 << 20))
    pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": str(cap)})
    # GDAL would otherwise guess types from values ("T0001" becomes a time of day)
    return VectorSource(path, options, open_options={"DATE_AS_STRING": "YES"})


# OSM building footprints: GDAL's OSM driver assembles ways and relations into multipolygons;
# attributes it does not give a column arrive in other_tags ("key"=>"value",…).
OSM_TAGS = ("building:levels", "height", "addr:street", "addr:housenumber", "addr:city", "start_date")
OSM_TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def _osm_columns(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = len(columns["osm_id"]) if "osm_id" in columns else len(columns["osm_way_id"])
    tags = {key: np.empty(n, dtype=object) for key in OSM_TAGS}
    for i, other in enumerate(columns.get("other_tags", np.empty(n, dtype=object)).tolist()):
        for key, value in OSM_TAG.findall(other or ""):
            if key in tags:
                tags[key][i] = value
    relation, way = columns.get("osm_id"), columns.get("osm_way_id")
    code = np.array([f"OSM-R{r}" if r else f"OSM-W{w}" for r, w in zip(relation.tolist(), way.tolist(), strict=True)],
                    dtype=object)
    street = [" ".join(p for p in parts if p) or None
              for parts in zip(tags["addr:city"].tolist(), tags["addr:street"].tolist(),
                               tags["addr:housenumber"].tolist(), strict=True)]
    use = np.array([_osm_use(b) for b in columns["building"].tolist()], dtype=object)
    return {"code": code, "name": columns.get("name"), "address": np.array(street, dtype=object),
            "floors": np.array([_osm_levels(v) for v in tags["building:levels"].tolist()], dtype=object),
            "height": tags["height"], "use": use,
            "year_built": np.array([_osm_year(v) for v in tags["start_date"].tolist()], dtype=object)}


# OSM tags are free text typed by mappers ("3.5", "after 1900", "1920s", "~1850"): the importer keeps
# what reads as a number of storeys or a year and leaves the rest blank, rather than refuse a good
# footprint for an optional tag.
OSM_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def _osm_levels(value: str | None) -> int | None:
    """building:levels → whole storeys (a half storey counts as one: 3.5 → 4), None when not a number."""
    try:
        levels = float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        return None
    return int(math.ceil(levels)) if 1 <= levels <= 200 else None


def _osm_year(value: str | None) -> str | None:
    """start_date → its first four-digit year ("after 1900" → 1900, "1920s" → 1920), None when there is none."""
    match = OSM_YEAR.search(value or "")
    return match.group(1) if match else None


OSM_USES = {"residential": "residential", "apartments": "residential", "house": "residential",
            "detached": "residential", "terrace": "residential", "dormitory": "residential",
            "commercial": "commercial", "retail": "commercial", "office": "commercial", "hotel": "commercial",
            "industrial": "industrial", "warehouse": "industrial", "school": "public", "university": "public",
            "hospital": "public", "public": "public", "civic": "public", "government": "public",
            "church": "public", "kindergarten": "public", "train_station": "public"}


def _osm_use(tag: str | None) -> str:
    return OSM_USES.get((tag or "").lower(), "other")


def osm_source(path: Path, options: ReadOptions) -> VectorSource:
    if b"OSMHeader" not in _head(path)[:64]:  # OSM XML, not PBF
        refuse_xml_declarations(path)
    return VectorSource(path, options, layer="multipolygons", where="building IS NOT NULL", post=_osm_columns,
                        extra_headers=["code", "address", "floors", "height", "use", "year_built"])


# ---------------------------------------------------------------- tables: CSV and XLSX

def decode_text(data: bytes, encoding: str | None) -> str:
    """Text of a CSV: the given encoding, else UTF-8 (with or without BOM), else GB18030; strict."""
    if encoding:
        candidates = [encoding]
    elif data.startswith(UTF8_BOM):
        candidates = ["utf-8-sig"]
    elif data.startswith(UTF16_BOMS):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    errors = []
    for name in candidates:
        try:
            return data.decode(name)
        except UnicodeDecodeError as exc:
            errors.append(exc)
        except LookupError:
            raise BadInput(f"未知的编码：{name} / unknown encoding", field="encoding") from None
    error = max(errors, key=lambda e: e.start)  # the encoding that read furthest is the file's
    line = data[: error.start].count(b"\n") + 1
    raise BadInput(f"文件编码无法识别：第 {line} 行有无效字节（试过 {'、'.join(candidates)}） / broken text encoding "
                   f"at line {line}", field="file")


@dataclass
class RowsSource:
    """A header row and data rows (CSV or a sheet of an XLSX), each data row with its row number in the file."""

    headers: list[str]
    rows: list[list]
    numbers: list[int]  # as a spreadsheet shows them (the header is usually row 1; blank rows keep their number)

    def info(self) -> LayerInfo:
        if not self.rows:
            raise BadInput("表格没有数据行 / the table has no data rows", field="file")
        return LayerInfo(self.headers, "columns", None, len(self.rows))

    def read(self, geometry_columns=None) -> Table:
        width = len(self.headers)
        padded = self.rows if set(map(len, self.rows)) == {width} else [
            list(row[:width]) + [None] * (width - len(row)) for row in self.rows]
        matrix = np.empty((len(padded), width), dtype=object)
        matrix[:] = padded if padded else np.empty((0, width), dtype=object)
        columns = {h: matrix[:, j] for j, h in enumerate(self.headers)}
        geometry = geometry_columns(columns) if geometry_columns else None
        return Table(columns, geometry, np.array(self.numbers, dtype=np.int64))


def _numbered(rows, blank: Callable[[list], bool], empty: str) -> RowsSource:
    """Skip blank rows, keeping every row's own number; the first non-blank row is the header."""
    kept = [(number, row) for number, row in enumerate(rows, start=1) if not blank(row)]
    if not kept:
        raise BadInput(empty, field="file")
    (_, header), data = kept[0], kept[1:]
    return RowsSource(_headers(header), [row for _, row in data], [number for number, _ in data])


def _headers(row: list) -> list[str]:
    headers = [str(h if h is not None else "").strip().lstrip("\ufeff") for h in row]
    if not any(headers):
        raise BadInput("表头为空 / the header row is empty", field="file")
    seen: set[str] = set()
    for h in headers:
        if h and h in seen:
            raise BadInput(f"表头重复：{h} / the header {h!r} appears twice", field="file")
        seen.add(h)
    return headers


CSV_BYTES_PER_VERTEX = 48  # a WKT cell: "114.0712345 30.1012345, " and some slack


def csv_source(path: Path, options: ReadOptions) -> RowsSource:
    csv.field_size_limit(max(1 << 17, options.max_vertices * CSV_BYTES_PER_VERTEX))  # a WKT cell may be long
    text = decode_text(path.read_bytes(), options.encoding)
    sample = text[:SNIFF_BYTES]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    try:
        # a header without quotes makes the Sniffer guess doublequote=False: "" inside a quoted cell is RFC 4180's quote
        rows = list(csv.reader(io.StringIO(text), dialect, doublequote=True))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise BadInput(f"CSV 单元格过大（超过 {csv.field_size_limit():,} 字符） / a CSV cell is larger than the "
                           "limit", field="file") from None
        raise BadInput(f"CSV 格式错误：{exc} / malformed CSV", field="file") from None
    return _numbered(rows, lambda row: not "".join(row).strip(), "文件为空 / the file is empty")


def xlsx_source(path: Path, options: ReadOptions) -> RowsSource:
    from python_calamine import CalamineWorkbook

    archive.check(path, options.max_unpacked_bytes)  # a workbook is a zip: refuse a bomb before reading it
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise BadInput(f"无法读取 XLSX：{str(exc)[:200]} / cannot read the workbook", field="file") from None
    names = list(book.sheet_names)
    if options.layer is not None and options.layer not in names:
        raise BadInput(f"工作簿中没有名为 {options.layer} 的工作表（有：{'、'.join(names)}） / no sheet named "
                       f"{options.layer!r}", field="layer")
    try:
        sheet = book.get_sheet_by_name(options.layer) if options.layer is not None else book.get_sheet_by_index(0)
        rows = [[None if c == "" else c for c in row] for row in sheet.iter_rows()]  # from row 1 of the sheet
    except Exception as exc:
        raise BadInput(f"无法读取 XLSX：{str(exc)[:200]} / cannot read the workbook", field="file") from None
    return _numbered(rows, lambda row: row.count(None) == len(row), "工作表为空 / the sheet is empty")


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    open: Callable[[Path, ReadOptions], VectorSource | RowsSource]
    tabular: bool = False


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("geojson", "GeoJSON", geojson_source),
    Format("shapefile", "Shapefile", shapefile_source),
    Format("gpkg", "GeoPackage", gpkg_source),
    Format("kml", "KML", kml_source),
    Format("osm", "OpenStreetMap (PBF/XML)", osm_source),
    Format("csv", "CSV", csv_source, tabular=True),
    Format("xlsx", "Excel (XLSX)", xlsx_source, tabular=True),
)}
