"""Settings read once from GEOGOV_* environment variables (see .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GEOGOV_{name}", default)


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
        "TEST": {"NAME": os.environ.get("GEOGOV_TEST_DB_NAME") or None},
    }


@dataclass(frozen=True)
class Config:
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    database_url: str
    language: str
    log_level: str


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
    )
