"""Which column of the file feeds which field: built-in aliases, overridden by a mapping file.

A mapping file is JSON, ``{"file header": "field name", …}``; a header mapped to ``null`` is
ignored. Headers match case-insensitively, ignoring spaces and a trailing "（必填）"-style note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo_governance.errors import BadInput
from importers.geometry import UNREADABLE
from importers.kinds import Kind

LON = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "gps经度")
LAT = ("lat", "latitude", "y", "纬度", "北纬", "gps纬度")
WKT = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "空间信息", "坐标串")


def normalise(header: str) -> str:
    header = re.sub(r"[（(][^）)]*[）)]$", "", str(header)).strip().lower()
    return re.sub(r"[\s_\-]+", "", header)


@dataclass
class Mapping:
    columns: dict[str, str]  # field name → file header
    lon: str | None = None
    lat: str | None = None
    wkt: str | None = None
    ignored: tuple[str, ...] = ()  # headers no field takes

    def geometry_reader(self):
        """For CSV/XLSX: build the geometry column from lon/lat or WKT cells."""
        if self.wkt:
            return lambda columns: _from_wkt(columns[self.wkt])
        if self.lon and self.lat:
            return lambda columns: _from_lonlat(columns[self.lon], columns[self.lat])
        return None


def _number(value) -> float | None:
    """A cell as a float (NaN and inf stay themselves); None for text that is no number."""
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _blank(column: np.ndarray) -> np.ndarray:
    return np.array([v is None or str(v).strip() == "" for v in column.tolist()], dtype=bool)


def _from_lonlat(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points from two columns: a blank half is no geometry, a non-number is unreadable, NaN/inf stay
    (the geometry check refuses them by name)."""
    xs, ys = [_number(v) for v in lon.tolist()], [_number(v) for v in lat.tolist()]
    unreadable = np.array([x is None or y is None for x, y in zip(xs, ys, strict=True)], dtype=bool)
    blank = _blank(lon) | _blank(lat)
    out = np.empty(len(xs), dtype=object)
    out[unreadable & ~blank] = UNREADABLE
    make = ~unreadable & ~blank
    x = np.array([v if v is not None else np.nan for v in xs], dtype=float)
    y = np.array([v if v is not None else np.nan for v in ys], dtype=float)
    with np.errstate(invalid="ignore"):  # NaN/inf are refused by name in the geometry check
        out[make] = shapely.points(x[make], y[make])
    return out


def _from_wkt(cells: np.ndarray) -> np.ndarray:
    out = np.empty(len(cells), dtype=object)
    for i, cell in enumerate(cells.tolist()):
        if cell is None or not str(cell).strip():
            continue
        try:
            out[i] = shapely.from_wkt(str(cell))
        except shapely.errors.GEOSException:
            out[i] = UNREADABLE  # refused by the geometry check as unparseable
    return out


def load_mapping_file(path: str | Path | None) -> dict[str, str | None]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"字段映射文件无法读取：{exc} / cannot read the mapping file", field="mapping") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str))
                                             for k, v in data.items()):
        raise BadInput('字段映射文件应为 {"表头": "字段名"} 形式的 JSON / the mapping file must be a JSON object '
                       'of header → field name', field="mapping")
    return data


def resolve(kind: Kind, headers: list[str], overrides: dict[str, str | None], tabular: bool) -> Mapping:
    """Match headers to fields; refuse before reading when a required field has no column."""
    by_norm = {normalise(h): h for h in headers}
    known = {fd.name for fd in kind.fields}
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for header, target in overrides.items():
        if header not in headers:
            raise BadInput(f"映射文件中的表头 {header} 不在文件中 / header {header!r} from the mapping is not "
                           "in the file", field="mapping")
        if target is not None and target not in known | {"lon", "lat", "wkt"}:
            raise BadInput(f"映射文件中的字段 {target} 不存在（可用：{', '.join(sorted(known))}） / unknown field",
                           field="mapping")
        taken.add(header)
        if target is not None:
            columns[target] = header
    for fd in kind.fields:
        if fd.name in columns:
            continue
        for alias in fd.names():
            header = by_norm.get(normalise(alias))
            if header is not None and header not in taken:
                columns[fd.name] = header
                taken.add(header)
                break
    mapping = Mapping(columns)
    if tabular and kind.geometry:
        free = {normalise(h): h for h in headers if h not in taken}
        mapping.wkt = columns.pop("wkt", None) or next((free[a] for a in map(normalise, WKT) if a in free), None)
        mapping.lon = columns.pop("lon", None) or next((free[a] for a in map(normalise, LON) if a in free), None)
        mapping.lat = columns.pop("lat", None) or next((free[a] for a in map(normalise, LAT) if a in free), None)
        taken |= {h for h in (mapping.wkt, mapping.lon, mapping.lat) if h}
        if not mapping.wkt and not (mapping.lon and mapping.lat):
            raise BadInput("表格中没有坐标列：需要经度/纬度两列（lon/lat、经度/纬度）或一列 WKT / the table has no "
                           "lon/lat or WKT columns", field="file")
    missing = [fd for fd in kind.fields if fd.required and fd.name not in columns]
    missing += [kind.field(group[0]) for group in kind.one_of if not any(name in columns for name in group)]
    if missing:
        names = "、".join(f"{fd.name}（{'/'.join(fd.aliases[:2])}）" for fd in missing)
        raise BadInput(f"缺少必填列：{names}；文件中的列为：{'、'.join(headers[:30])} / required columns missing: "
                       f"{', '.join(fd.name for fd in missing)}", field="file")
    mapping.ignored = tuple(h for h in headers if h not in taken)
    return mapping
