"""Exports of every layer, scoped to an area, in files the importer reads back unchanged.

A file's columns are the kind's field names (``importers/kinds.py``), so an exported file imports
as it is: nothing inserted, nothing updated. Rows come from the model's ``for_user``/``for_prefix``
queryset as plain tuples from a server-side cursor (``values_list().iterator``), a chunk at a time,
never one ORM object per row; each chunk becomes numpy columns and goes to the file at once (GDAL
through pyogrio for GeoPackage, GeoJSON and Shapefile, xlsxwriter in constant-memory mode, csv).
Residents carry personal data: only roles in ``MAY_REVEAL`` may export them. Every export writes an
``ExportAudit`` row (who, what, format, rows, area).

Exactness: coordinates travel as WKB (GeoPackage, Shapefile), 15 decimals (GeoJSON) or the shortest
exact decimal (WKT, lon/lat text), so a re-import compares equal coordinate by coordinate.
"""

from __future__ import annotations

import csv
import logging
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.db import models, transaction
from django.db.models import Q

from geo_governance.errors import BadInput, Forbidden, NotFound
from importers.fields import CHINA_TZ
from importers.kinds import Kind
from importers.kinds import kind as kind_named
from importers.models import ExportAudit
from layers.models import Building, Division, Grid, Household, Incident, Profile, Resident, Sensor
from layers.models.access import MAY_REVEAL, Role
from layers.models.scoping import area_prefix

CHUNK = 20_000  # rows per fetch from the server-side cursor and per write
CRS = "EPSG:4326"
DBF_NAME_BYTES = 10
DBF_TEXT_BYTES = 254
XLSX_MAX_ROWS = 1_048_575  # one sheet (the importer reads the first), minus the header row
XLSX_MAX_CELL = 32_767

logging.getLogger("pyogrio._io").setLevel(logging.WARNING)  # not "Created 20,000 records" per chunk


# ---------------------------------------------------------------- what each kind's export reads

@dataclass(frozen=True)
class Layer:
    """Where an export of one kind reads: its model, the ORM lookup of every field, its geometry."""

    model: type[models.Model]
    lookups: dict[str, str]  # field name → ORM lookup
    geometry: str | None = None
    where: Q = field(default_factory=Q)
    personal: bool = False  # residents: full ID numbers and phones


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


SENSOR_LOOKUPS = {**_same("device_id", "kind", "status", "battery", "installed_at"), "building_code": "building__code"}

LAYERS: dict[str, Layer] = {
    "divisions": Layer(Division, _same("code", "name"), "boundary"),
    "grids": Layer(Grid, _same("code", "name", "kind"), "boundary"),
    "buildings": Layer(Building, _same("code", "address", "name", "floors", "height", "use", "year_built"),
                       "footprint"),
    "households": Layer(Household, {"code": "code", "building_code": "building__code",
                                    "building_address": "building__address", "unit": "unit__number",
                                    **_same("floor", "room", "tier")}),
    "residents": Layer(Resident, {"id_number": "id_number", "household_code": "household__code",
                                  **_same("name", "sex", "birth_date", "phone", "relation", "residence_type",
                                          "care_tags")}, personal=True),
    "sensors": Layer(Sensor, SENSOR_LOOKUPS, "location", ~Q(kind="camera")),
    "cameras": Layer(Sensor, {k: v for k, v in SENSOR_LOOKUPS.items() if k != "kind"}, "location", Q(kind="camera")),
    "incidents": Layer(Incident, _same("code", "title", "description", "category", "source", "status",
                                       "reported_at", "deadline", "closed_at"), "location"),
}


# ---------------------------------------------------------------- rows, a chunk at a time

# How a stored value is written so that the kind's parser reads it back as the same value.
TO_CELL: dict[str, Callable] = {
    "date": lambda v: v.isoformat(),
    "timestamptz": lambda v: v.astimezone(CHINA_TZ).isoformat(),  # Beijing time with its offset
    "text[]": lambda v: ",".join(v) or None,
}


@dataclass
class Chunk:
    columns: dict[str, list]  # field name → cell values (None = blank)
    wkb: np.ndarray | None  # geometries as WKB (object array), for kinds with geometry

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def geometries(self) -> np.ndarray:
        return shapely.from_wkb(self.wkb)


def chunks(kind: Kind, layer: Layer, queryset: models.QuerySet) -> Iterator[Chunk]:
    """The rows in key order as chunks of columns; at least one (maybe empty) chunk."""
    names = [fd.name for fd in kind.fields]
    lookups = [layer.lookups[name] for name in names]
    if layer.geometry:
        queryset = queryset.annotate(export_wkb=AsWKB(layer.geometry))
        lookups.append("export_wkb")
    rows = queryset.filter(layer.where).order_by(layer.lookups[kind.key]).values_list(*lookups)
    rows = rows.iterator(chunk_size=CHUNK)
    first = True
    while (batch := list(islice(rows, CHUNK))) or first:
        first = False
        columns = list(zip(*batch, strict=True)) if batch else [()] * len(lookups)
        cells = {}
        for fd, values in zip(kind.fields, columns, strict=False):
            convert = TO_CELL.get(fd.sql_type)
            cells[fd.name] = [None if v is None else convert(v) for v in values] if convert else list(values)
        wkb = np.array([bytes(g) for g in columns[-1]], dtype=object) if layer.geometry else None
        yield Chunk(cells, wkb)


# ---------------------------------------------------------------- writers

NUMERIC = {"integer": np.int64, "double precision": np.float64}


def _gdal_columns(kind: Kind, chunk: Chunk) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    data, masks = [], []
    for fd in kind.fields:
        values = chunk.columns[fd.name]
        dtype = NUMERIC.get(fd.sql_type)
        if dtype is None:
            data.append(np.array(values, dtype=object))
            masks.append(None)
            continue
        blank = np.array([v is None for v in values], dtype=bool)
        data.append(np.array([0 if v is None else v for v in values], dtype=dtype))
        masks.append(blank)
    return data, masks


def _gdal_write(driver: str, kind: Kind, chunk: Chunk, path: Path, names: list[str], append: bool) -> None:
    import pyogrio.raw

    data, masks = _gdal_columns(kind, chunk)
    pyogrio.raw.write(path, chunk.wkb, data, names, field_mask=masks, layer=kind.name, driver=driver,
                      geometry_type=kind.geometry, crs=CRS if kind.geometry else None, encoding="UTF-8",
                      append=append)


def _concatenate(parts: list[Chunk]) -> Chunk:
    columns = {name: [v for part in parts for v in part.columns[name]] for name in parts[0].columns}
    wkb = np.concatenate([part.wkb for part in parts]) if parts[0].wkb is not None else None
    return Chunk(columns, wkb)


def gdal_writer(driver: str, appends: bool, names: Callable[[Kind], list[str]] | None = None,
                check: Callable[[Kind, Chunk], None] | None = None) -> Callable[[Kind, Iterator[Chunk], Path], int]:
    """A writer through GDAL: chunk by chunk where the driver appends cheaply, else in one write."""
    def write(kind: Kind, parts: Iterator[Chunk], path: Path) -> int:
        columns = names(kind) if names else [fd.name for fd in kind.fields]
        rows, pending = 0, []
        for i, chunk in enumerate(parts):
            if check:
                check(kind, chunk)
            rows += len(chunk)
            if appends:
                _gdal_write(driver, kind, chunk, path, columns, append=i > 0)
            else:
                pending.append(chunk)
        if pending:
            _gdal_write(driver, kind, _concatenate(pending), path, columns, append=False)
        return rows
    return write


def dbf_name(fd) -> str:
    """A field's column name in a .dbf (at most 10 bytes): its name, else its first short ASCII alias."""
    for name in fd.names():
        if name.isascii() and len(name) <= DBF_NAME_BYTES and name.replace("_", "").isalnum():
            return name
    raise LookupError(f"field {fd.name} has no alias of at most {DBF_NAME_BYTES} ASCII characters")


def dbf_names(kind: Kind) -> list[str]:
    return [dbf_name(fd) for fd in kind.fields]


def _dbf_text_fits(kind: Kind, chunk: Chunk) -> None:
    """A .dbf text field holds at most 254 bytes: refuse rather than cut a value short."""
    for fd in kind.fields:
        if fd.sql_type not in NUMERIC:
            for i, value in enumerate(chunk.columns[fd.name]):
                if value is not None and len(str(value).encode("utf-8")) > DBF_TEXT_BYTES:
                    key = chunk.columns[kind.key][i]
                    raise BadInput(f"{key} 的 {fd.name} 超过 Shapefile 文本字段的 {DBF_TEXT_BYTES} 字节上限，请改用 "
                                   f"GeoPackage 或 GeoJSON / {fd.name} of {key} is longer than a shapefile text "
                                   f"field holds ({DBF_TEXT_BYTES} bytes): export GeoPackage or GeoJSON",
                                   field="format")


_write_shp_files = gdal_writer("ESRI Shapefile", appends=True, names=dbf_names, check=_dbf_text_fits)


def write_shapefile_zip(kind: Kind, parts: Iterator[Chunk], path: Path) -> int:
    """A zipped shapefile: .shp, .shx, .dbf, .prj (WGS 84) and a .cpg saying UTF-8."""
    folder = Path(tempfile.mkdtemp(prefix="geogov-export-", dir=path.parent))
    try:
        rows = _write_shp_files(kind, parts, folder / f"{kind.name}.shp")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(folder.iterdir()):
                archive.write(member, member.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def _geometry_headers(kind: Kind) -> list[str]:
    return {"Point": ["lon", "lat"], "MultiPolygon": ["wkt"], None: []}[kind.geometry]


def _geometry_cells(kind: Kind, chunk: Chunk) -> list[list[str]]:
    """Points as lon/lat, polygons as WKT, both in the shortest decimals that read back exactly."""
    if kind.geometry is None:
        return []
    geoms = chunk.geometries()
    if kind.geometry == "Point":
        return [[repr(float(x)) for x in shapely.get_x(geoms)], [repr(float(y)) for y in shapely.get_y(geoms)]]
    return [shapely.to_wkt(geoms, rounding_precision=-1).tolist()]


def table_rows(kind: Kind, chunk: Chunk) -> Iterator[tuple[list, list[str]]]:
    """Per row: the field cells and the geometry cells."""
    fields = [chunk.columns[fd.name] for fd in kind.fields]
    geometry = _geometry_cells(kind, chunk)
    return zip(zip(*fields, strict=True), zip(*geometry, strict=True) if geometry else ([],) * len(chunk),
               strict=True)


def write_csv(kind: Kind, parts: Iterator[Chunk], path: Path) -> int:
    """UTF-8 with a BOM (so Excel reads the Chinese), a header row of field names, lon/lat or WKT."""
    rows = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([fd.name for fd in kind.fields] + _geometry_headers(kind))
        for chunk in parts:
            for cells, geometry in table_rows(kind, chunk):
                writer.writerow(["" if v is None else v for v in cells] + list(geometry))
            rows += len(chunk)
    return rows


def _xlsx_number(sheet, row: int, col: int, value) -> None:
    # xlsxwriter writes numbers with 16 significant digits: a float that needs 17 goes as exact text
    if isinstance(value, float) and float(f"{value:.16G}") != value:
        sheet.write_string(row, col, repr(value))
    else:
        sheet.write_number(row, col, value)


def write_xlsx(kind: Kind, parts: Iterator[Chunk], path: Path) -> int:
    """One sheet, row by row in constant memory; numbers as numbers, everything else as text (never formulas)."""
    import xlsxwriter

    numeric = [fd.sql_type in NUMERIC for fd in kind.fields]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(kind.label)
    try:
        for col, header in enumerate([fd.name for fd in kind.fields] + _geometry_headers(kind)):
            sheet.write_string(0, col, header)
        rows = 0
        for chunk in parts:
            if rows + len(chunk) > XLSX_MAX_ROWS:
                raise BadInput(f"XLSX 每个工作表最多 {XLSX_MAX_ROWS:,} 行，请改用 CSV 或 GeoPackage / more rows "
                               f"than one XLSX sheet holds ({XLSX_MAX_ROWS:,}): export CSV or GeoPackage",
                               field="format")
            for cells, geometry in table_rows(kind, chunk):
                rows += 1
                for col, value in enumerate(cells):
                    if value is None:
                        continue
                    if numeric[col]:
                        _xlsx_number(sheet, rows, col, value)
                    else:
                        sheet.write_string(rows, col, _fits_cell(value, cells[0]))
                for col, value in enumerate(geometry, start=len(cells)):
                    sheet.write_string(rows, col, _fits_cell(value, cells[0]))
    finally:
        book.close()
    return rows


def _fits_cell(value, key) -> str:
    text = str(value)
    if len(text) > XLSX_MAX_CELL:
        raise BadInput(f"{key} 的内容超过 XLSX 单元格上限（{XLSX_MAX_CELL:,} 字符，多为边界顶点过多），"
                       f"请改用 GeoPackage / a value of {key} is longer than an XLSX cell holds: export GeoPackage",
                       field="format")
    return text


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    suffix: str
    content_type: str
    write: Callable[[Kind, Iterator[Chunk], Path], int]
    needs_geometry: bool = False


EXPORT_FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("gpkg", "GeoPackage", ".gpkg", "application/geopackage+sqlite3", gdal_writer("GPKG", appends=True)),
    # GDAL's GeoJSON driver rewrites the whole file on append: one write
    ExportFormat("geojson", "GeoJSON", ".geojson", "application/geo+json", gdal_writer("GeoJSON", appends=False)),
    ExportFormat("shp", "Shapefile (zip)", ".shp.zip", "application/zip", write_shapefile_zip, needs_geometry=True),
    ExportFormat("xlsx", "Excel (XLSX)", ".xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx),
    ExportFormat("csv", "CSV", ".csv", "text/csv; charset=utf-8", write_csv),
)}


def export_format(name: str) -> ExportFormat:
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise BadInput(f"未知的导出格式：{name}（可选：{', '.join(EXPORT_FORMATS)}） / unknown export format {name!r}",
                       field="format") from None


def formats_for(kind: Kind) -> list[str]:
    """The formats that can carry a kind (a shapefile needs geometry)."""
    return [f.name for f in EXPORT_FORMATS.values() if kind.geometry or not f.needs_geometry]


# ---------------------------------------------------------------- scope, permission, audit

def area_of(code: str) -> str:
    """The code prefix of a division or grid named by its code."""
    division = Division.objects.filter(code=code).values_list("code", "level").first()
    if division:
        return Division(code=division[0], level=division[1]).area_prefix()
    if Grid.objects.filter(code=code).exists():
        return code
    raise NotFound(f"没有编码为 {code} 的区划或网格 / no division or grid with code {code}", field="area")


def may_export_personal(user) -> bool:
    if user.is_superuser:
        return True
    role = Profile.objects.filter(user=user).values_list("role", flat=True).first()
    return role is not None and MAY_REVEAL[Role(role)]


def scope(user_or_prefix, layer: Layer, area: str | None) -> tuple[models.QuerySet, str]:
    """The rows a user (or, from the command line, an area prefix) may export, and that area's prefix."""
    manager = layer.model.objects
    if isinstance(user_or_prefix, str):
        prefix = user_or_prefix
    else:
        prefix = area_prefix(user_or_prefix)
        if prefix is None:
            raise Forbidden("您的账号未分配管辖区域，不能导出 / your account has no area to export", field="area")
        if layer.personal and not may_export_personal(user_or_prefix):
            raise Forbidden("您的角色无权导出居民个人信息 / your role may not export residents' personal data",
                            field="kind")
    if area:
        wanted = area_of(area)
        if not wanted.startswith(prefix):
            raise NotFound(f"区域 {area} 不在您的管辖范围内 / area {area} is not in your area", field="area")
        prefix = wanted
    return (manager.all() if prefix == "" else manager.for_prefix(prefix)), prefix


@dataclass
class Exported:
    path: Path
    kind: str
    format: str
    rows: int
    area: str
    seconds: float


def export_layer(kind: str, user_or_prefix, fmt: str, path: Path | str, *, area: str | None = None,
                 via: str = "cli") -> Exported:
    """Write one layer of the user's area (or of an area prefix, '' = all) to path; audited."""
    started = time.monotonic()
    target = kind_named(kind)
    export = export_format(fmt)
    if export.needs_geometry and not target.geometry:
        raise BadInput(f"{target.label}没有几何，不能导出为 {export.label}（可用：{', '.join(formats_for(target))}） / "
                       f"{target.label_en} have no geometry for a {export.label}", field="format")
    layer = LAYERS[target.name]
    queryset, prefix = scope(user_or_prefix, layer, area)
    path = Path(path)
    path.unlink(missing_ok=True)
    try:
        with transaction.atomic():  # one snapshot, and a server-side cursor without WITH HOLD
            rows = export.write(target, chunks(target, layer, queryset), path)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written file
        raise
    user = None if isinstance(user_or_prefix, str) else user_or_prefix
    ExportAudit.objects.create(user=user, kind=target.name, format=export.name, rows=rows, area=prefix,
                               personal=layer.personal, via=via)
    return Exported(path, target.name, export.name, rows, prefix, time.monotonic() - started)


def file_name(kind: str, fmt: str, area: str) -> str:
    return f"{kind}{'-' + area if area else ''}{export_format(fmt).suffix}"
