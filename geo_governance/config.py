"""Settings read once from GEOGOV_* environment variables (see .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GEOGOV_{name}", default)


def _positive(name: str, default: float, what: str) -> float:
    """A positive number, else ValueError naming the setting and what it counts."""
    raw = _env(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"GEOGOV_{name} must be a positive number{what}, got {raw!r}")
    return value


def _seconds(name: str, default: float) -> float:
    return _positive(name, default, " of seconds")


def _count(name: str, default: int) -> int:
    """A positive whole number (bytes, vertices …), else ValueError naming the setting."""
    raw = _env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise ValueError(f"GEOGOV_{name} must be a positive whole number, got {raw!r}")
    return value


def _measure(name: str, default: float) -> float:
    """A positive number (metres, square metres …), else ValueError naming the setting."""
    return _positive(name, default, "")


def _range(name: str, default: str) -> tuple[int, int]:
    """Whole numbers given as low-high with low <= high (e.g. 100-600), else ValueError naming the setting."""
    raw = _env(name, default)
    low, _, high = raw.partition("-")
    try:
        bounds = int(low), int(high)
    except ValueError:
        bounds = (-1, -1)
    if not 0 <= bounds[0] <= bounds[1]:
        raise ValueError(f"GEOGOV_{name} must be low-high whole numbers with low <= high, got {raw!r}")
    return bounds


def _flag(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    """Turn postgres://user:pass@host:port/name into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "postgis"}:
        raise ValueError(f"database URL must be postgres://…, got scheme {parsed.scheme!r}")
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": unquote(parsed.path.lstrip("/")) or "geogov",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        # JIT compilation costs ~15 ms per query; the planner switches it on for tile queries whose
        # estimated cost is high although they read a few rows through an index (see bench/).
        "OPTIONS": {"options": "-c jit=off"},
        "TEST": {"NAME": os.environ.get("GEOGOV_TEST_DB_NAME") or None},
    }


BASEMAP_DATUMS = ("wgs84", "gcj02", "bd09")
TILE_PLACEHOLDERS = ("{z}", "{x}", "{y}")


@dataclass(frozen=True)
class Basemap:
    """The map's background imagery: kind none | mbtiles | xyz, where it is, and its datum."""

    kind: str
    location: str = ""  # the .mbtiles path or the XYZ URL template; "" for none
    datum: str = "wgs84"
    attribution: str = ""


def _mbtiles_location(path: str) -> str:
    if not Path(path).is_file():
        raise ValueError(f"GEOGOV_BASEMAP=mbtiles:{path}: no such file (give the path of a readable .mbtiles file)")
    return str(Path(path).resolve())


def _xyz_location(url: str) -> str:
    if urlparse(url).scheme not in {"http", "https"} or not all(p in url for p in TILE_PLACEHOLDERS):
        raise ValueError(f"GEOGOV_BASEMAP=xyz:{url}: expected an http(s) URL template with {{z}}, {{x}} and {{y}}, "
                         "e.g. xyz:http://tiles.intranet/{z}/{x}/{y}.png (web-mercator XYZ tiling only)")
    return url


# basemap kind → how its location is checked and normalised ("none" takes none).
_BASEMAP_LOCATIONS = {"mbtiles": _mbtiles_location, "xyz": _xyz_location}


def parse_basemap(value: str, datum: str = "wgs84", attribution: str = "") -> Basemap:
    """GEOGOV_BASEMAP (none | mbtiles:/path | xyz:URL) and GEOGOV_BASEMAP_CRS → Basemap, else ValueError."""
    value, datum = value.strip(), datum.strip().lower()
    if datum not in BASEMAP_DATUMS:
        raise ValueError(f"GEOGOV_BASEMAP_CRS must be one of {', '.join(BASEMAP_DATUMS)}, got {datum!r}")
    if value in {"", "none"}:
        return Basemap("none", "", datum, attribution)
    kind, _, location = value.partition(":")
    if kind not in _BASEMAP_LOCATIONS or not location:
        raise ValueError(f"GEOGOV_BASEMAP must be none, mbtiles:/path/to/file.mbtiles or "
                         f"xyz:http(s)://host/{{z}}/{{x}}/{{y}}.png, got {value!r}")
    return Basemap(kind, _BASEMAP_LOCATIONS[kind](location), datum, attribution)


@dataclass(frozen=True)
class Config:
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    database_url: str
    language: str
    log_level: str
    basemap: Basemap
    live_keepalive_seconds: float
    live_stream_seconds: float
    import_tmp: str
    import_max_upload_bytes: int
    import_max_unpacked_bytes: int
    import_max_vertices: int
    duplicate_metres: int
    duplicate_hours: int
    open311_jurisdiction: str
    intake_media: str
    intake_max_photo_bytes: int
    iot_offline_minutes: int
    iot_low_battery: int
    iot_master_key: str
    planning_households: tuple[int, int]
    planning_residents: tuple[int, int]
    planning_min_area_m2: float
    planning_max_vertices: int
    planning_snap_m: float
    planning_gap_m2: float


def load() -> Config:
    pg_port = _env("PG_PORT", "54329")
    default_db = f"postgres://geogov@127.0.0.1:{pg_port}/geogov"
    return Config(
        secret_key=_env("SECRET_KEY", "dev-only-insecure-key-change-me"),
        debug=_flag("DEBUG", True),
        allowed_hosts=[h for h in _env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h],
        database_url=os.environ.get("GEOGOV_DATABASE_URL") or os.environ.get("DATABASE_URL") or default_db,
        language=_env("LANGUAGE", "zh-hans"),
        log_level=_env("LOG_LEVEL", "INFO"),
        basemap=parse_basemap(_env("BASEMAP", "none"), _env("BASEMAP_CRS", "wgs84"), _env("BASEMAP_ATTRIBUTION", "")),
        live_keepalive_seconds=_seconds("LIVE_KEEPALIVE_SECONDS", 15.0),
        live_stream_seconds=_seconds("LIVE_STREAM_SECONDS", 600.0),
        import_tmp=_env("IMPORT_TMP", str(BASE_DIR / "var" / "imports")),
        import_max_upload_bytes=_count("IMPORT_MAX_UPLOAD_BYTES", 1 << 30),
        import_max_unpacked_bytes=_count("IMPORT_MAX_UNPACKED_BYTES", 4 << 30),
        import_max_vertices=_count("IMPORT_MAX_VERTICES", 500_000),
        duplicate_metres=_count("DUPLICATE_METRES", 50),
        duplicate_hours=_count("DUPLICATE_HOURS", 72),
        open311_jurisdiction=_env("OPEN311_JURISDICTION", "geogov"),
        intake_media=_env("INTAKE_MEDIA", str(BASE_DIR / "var" / "intake")),
        intake_max_photo_bytes=_count("INTAKE_MAX_PHOTO_BYTES", 10 << 20),
        iot_offline_minutes=_count("IOT_OFFLINE_MINUTES", 1440),
        iot_low_battery=_count("IOT_LOW_BATTERY", 20),
        iot_master_key=_env("IOT_MASTER_KEY", ""),
        planning_households=_range("PLANNING_HOUSEHOLDS", "100-600"),
        planning_residents=_range("PLANNING_RESIDENTS", "300-2000"),
        planning_min_area_m2=_measure("PLANNING_MIN_AREA_M2", 500.0),
        planning_max_vertices=_count("PLANNING_MAX_VERTICES", 5000),
        planning_snap_m=_measure("PLANNING_SNAP_M", 1.0),
        planning_gap_m2=_measure("PLANNING_GAP_M2", 1.0),
    )
