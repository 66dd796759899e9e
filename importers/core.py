"""The import core: open → check the layer → read → map and validate every row → write atomically.

``run_import`` is the one function behind ``manage.py import_layer`` and the upload page. Nothing
is written unless every step succeeds: the write is one transaction (a dry run rolls it back at the
end, so its counts are the real ones), and an exception or Ctrl-C anywhere leaves the database as
it was. Files are only ever unpacked into the import's own temporary folder, removed afterwards.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from geo_governance.errors import BadInput
from importers import crs as crs_mod
from importers import formats, geometry, mapping, staging
from importers.kinds import Kind
from importers.kinds import kind as kind_named
from importers.report import MAX_LISTED_KEYS, ImportReport

Progress = Callable[[str, int, int], None]  # (phase, done, total)
IMPORT_LOCK = 4_711_001  # pg_advisory_xact_lock key: one import writes at a time


@dataclass
class ImportRequest:
    kind: str
    path: Path
    name: str | None = None  # the name the user gave the file (uploads are stored under another)
    commit: bool = False
    source_crs: str | None = None  # gcj02 | bd09 | an accepted EPSG code
    swap_axes: bool = False
    encoding: str | None = None
    layer: str | None = None
    mapping_file: str | None = None
    mapping: dict[str, str | None] = field(default_factory=dict)
    allow_outside_china: bool = False
    area_prefix: str = ""  # '' = everything; else rows must land inside this area (uploads by area users)


def _noop(phase: str, done: int, total: int) -> None:
    return None


def run_import(request: ImportRequest, progress: Progress = _noop) -> ImportReport:
    started = time.monotonic()
    kind = kind_named(request.kind)
    name = request.name or Path(request.path).name
    report = ImportReport(kind=kind.name, file=name)
    if not Path(request.path).is_file():
        raise BadInput(f"文件不存在：{request.path} / no such file", field="file")
    workdir = Path(tempfile.mkdtemp(prefix="geogov-import-", dir=settings.GEOGOV_IMPORT_TMP))
    try:
        progress("open", 0, 1)
        fmt = formats.FORMATS[formats.detect(Path(request.path), name)]
        report.format = fmt.label
        requested_crs = crs_mod.parse_source_crs(request.source_crs)
        options = formats.ReadOptions(encoding=request.encoding, layer=request.layer,
                                      source_crs_given=requested_crs is not None,
                                      max_unpacked_bytes=settings.GEOGOV_IMPORT_MAX_UNPACKED_BYTES, workdir=workdir,
                                      max_vertices=settings.GEOGOV_IMPORT_MAX_VERTICES)
        source = fmt.open(Path(request.path), options)
        info = source.info()
        overrides = {**mapping.load_mapping_file(request.mapping_file), **request.mapping}
        columns = mapping.resolve(kind, info.headers, overrides, fmt.tabular)
        report.mapping, report.ignored_columns = dict(columns.columns), list(columns.ignored)
        _check_layer_geometry(kind, info)
        source_crs = crs_mod.resolve(info.crs, requested_crs)
        report.crs = source_crs.label if kind.geometry else ""
        progress("read", 0, info.count)
        table = source.read(columns.geometry_reader() if fmt.tabular else None)
        report.warnings += getattr(source, "notes", [])
        report.read = len(table)
        progress("validate", 0, len(table))
        values, keep = validate(kind, table, columns, source_crs, request, report)
        progress("write", 0, int(keep.sum()))
        write(kind, table.row_numbers[keep], {k: v[keep] for k, v in values.items() if k != "geom"},
              values["geom"][keep] if kind.geometry else None, request, report)
        progress("done", 1, 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report


def _check_layer_geometry(kind: Kind, info: formats.LayerInfo) -> None:
    if kind.geometry is None or info.geometry_type in (None, "columns", "Unknown", "Geometry", "GeometryCollection"):
        return
    layer_type = info.geometry_type.replace(" Z", "").replace(" M", "").replace("3D ", "")
    allowed = {"MultiPolygon": {"Polygon", "MultiPolygon"}, "Point": {"Point", "MultiPoint"}}[kind.geometry]
    if layer_type not in allowed:
        raise BadInput(f"图层几何类型为 {info.geometry_type}，{kind.label}需要{geometry.TYPE_NAMES[kind.geometry]} / "
                       f"the layer holds {info.geometry_type}, {kind.label_en} need {kind.geometry}", field="file")


def validate(kind: Kind, table: formats.Table, columns: mapping.Mapping, source_crs: crs_mod.SourceCrs,
             request: ImportRequest, report: ImportReport) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Parse every mapped column and the geometry; record a reject per bad cell; returns values and the rows kept."""
    n = len(table)
    bad = np.zeros(n, dtype=bool)
    rows = table.row_numbers
    values: dict[str, np.ndarray] = {}
    for fd in kind.fields:
        header = columns.columns.get(fd.name)
        if header is None:
            values[fd.name] = np.empty(n, dtype=object)
            continue
        raw = table.columns[header]
        parsed, reasons = fd.parse(raw)
        blank = np.equal(parsed, None) & np.equal(reasons, None)
        if fd.required:
            reasons[blank] = "必填项为空 / required value is blank"
        for i in np.flatnonzero(~np.equal(reasons, None)):
            report.reject(rows[i], header, raw[i], reasons[i])
            bad[i] = True
        values[fd.name] = parsed
    if kind.row_checks:
        for i, field_name, reason in kind.row_checks(values):
            if not bad[i]:
                report.reject(rows[i], field_name, values[field_name][i], reason)
                bad[i] = True
    _duplicates(columns.columns.get(kind.key, kind.key), values[kind.key], rows, bad, report)
    if kind.geometry:
        values["geom"] = _geometry(kind, table.geometry, rows, bad, source_crs, request, report)
    report.accepted = int((~bad).sum())
    return values, ~bad


def _duplicates(header: str, keys: np.ndarray, rows: np.ndarray, bad: np.ndarray, report: ImportReport) -> None:
    """A key seen twice in one file: the first row stands, later ones are rejected naming it."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys.tolist()):
        if key is None or bad[i]:
            continue
        if key in first:
            report.reject(rows[i], header, key, f"编码重复，与第 {rows[first[key]]} 行相同 / duplicate key, "
                                                   f"same as row {rows[first[key]]}")
            bad[i] = True
        else:
            first[key] = i


def _geometry(kind: Kind, geoms: np.ndarray | None, rows: np.ndarray, bad: np.ndarray,
              source_crs: crs_mod.SourceCrs, request: ImportRequest, report: ImportReport) -> np.ndarray:
    if geoms is None:
        geoms = np.empty(len(rows), dtype=object)
    prepared = geometry.check_shape(geoms, kind.geometry, settings.GEOGOV_IMPORT_MAX_VERTICES)
    ok = np.equal(prepared.reasons, None)
    out = prepared.geoms
    if request.swap_axes:
        out[ok] = crs_mod.swap_axes(out[ok])
    out[ok] = crs_mod.to_wgs84(out[ok], source_crs)
    if not request.allow_outside_china:
        outside, swapped = crs_mod.outside_china(np.where(ok, out, None))
        prepared.reasons[outside & ~swapped] = "坐标超出中国范围 / coordinates outside China"
        prepared.reasons[swapped] = "坐标超出中国范围，经纬度疑似颠倒（可用 --swap-axes） / outside China: lon/lat " \
                                    "look swapped (use --swap-axes)"
        if swapped.sum() > 0.5 * len(rows):
            report.warnings.append(f"{int(swapped.sum()):,} 个要素经纬度疑似颠倒，请用 --swap-axes 重新导入 / "
                                   "most features look lon/lat swapped: re-run with --swap-axes")
    if kind.geometry == "MultiPolygon":
        prepared = geometry.repair_polygons(prepared)
    for i in np.flatnonzero(~np.equal(prepared.reasons, None)):
        if not bad[i]:
            report.reject(rows[i], "geometry", "", prepared.reasons[i])
            bad[i] = True
    for i in np.flatnonzero(~np.equal(prepared.repairs, None) & ~bad):
        for note in prepared.repairs[i].split("；"):
            report.repairs[note] += 1
    return prepared.geoms


def write(kind: Kind, row_numbers: np.ndarray, values: dict[str, np.ndarray], geoms: np.ndarray | None,
          request: ImportRequest, report: ImportReport) -> None:
    """Stage, check, upsert and link in one transaction; rolled back at the end of a dry run."""
    params = {f"has_{fd.name}": fd.name in report.mapping for fd in kind.fields}
    params["area"] = request.area_prefix
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        staging.create(cursor, kind)
        staging.copy_rows(cursor, kind, row_numbers, values, geoms)
        for row, field_name, value, reason in staging.run_checks(cursor, kind, params):
            report.reject(row, field_name, value, reason)
        written = staging.upsert(cursor, kind, params)
        report.inserted = sum(1 for _, _, new in written if new)
        report.updated = len(written) - report.inserted
        report.updated_keys = [key for _, key, new in written if not new][:MAX_LISTED_KEYS]
        report.assigned = staging.link(cursor, kind, [pk for pk, _, _ in written])
        cursor.execute(f"SELECT count(*) FROM {staging.STAGING}")
        report.accepted = cursor.fetchone()[0]
        report.unchanged = report.accepted - len(written)
        report.committed = request.commit
        if not request.commit:
            transaction.set_rollback(True)
