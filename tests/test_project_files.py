"""The setup contract: compose file, documented settings, database URL parsing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from geo_governance import config

ROOT = Path(config.BASE_DIR)


def test_compose_file_describes_postgis_and_web():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"db", "web"}
    assert "postgis" in compose["services"]["db"]["image"]
    web_env = compose["services"]["web"]["environment"]
    assert web_env["GEOGOV_DATABASE_URL"].startswith("postgres://")
    assert compose["services"]["web"]["depends_on"]["db"]["condition"] == "service_healthy"


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed")
def test_compose_config_validates():
    result = subprocess.run(["docker-compose", "config", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_setting_read_is_documented_in_env_example():
    sources = "\n".join(p.read_text() for p in [*ROOT.glob("geo_governance/*.py"), *ROOT.glob("layers/demo/*.py")])
    read = set(re.findall(r'_env\("([A-Z_]+)"', sources)) | set(re.findall(r'_flag\("([A-Z_]+)"', sources))
    read = {f"GEOGOV_{name}" for name in read} | set(re.findall(r'"(GEOGOV_[A-Z_]+)"', sources))
    documented = set(re.findall(r"(GEOGOV_[A-Z_]+)", (ROOT / ".env.example").read_text()))
    assert read, "no settings found: the scan is broken"
    assert read - documented == set()


@pytest.mark.parametrize(("url", "expected"), [
    ("postgres://u:p%40ss@db.example:5433/gov", ("gov", "u", "p@ss", "db.example", "5433")),
    ("postgis://geogov@127.0.0.1/geogov", ("geogov", "geogov", "", "127.0.0.1", "")),
])
def test_database_url_parsing(url, expected):
    db = config.database_from_url(url)
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == expected
    assert db["ENGINE"] == "django.contrib.gis.db.backends.postgis"


def test_database_url_with_wrong_scheme_is_refused():
    with pytest.raises(ValueError, match="postgres://"):
        config.database_from_url("mysql://u@h/db")


ONLINE_ASSET = re.compile(rb"https?://(unpkg\.com|cdn\.|cdnjs|jsdelivr|api\.mapbox|fonts\.googleapis)")
SHIPPED = ("static", "templates", "gridmap", "layers", "tiles", "geo_governance")


def test_nothing_shipped_names_a_cdn_or_online_service():
    """Offline intranets: no file we serve or run, vendored ones included, points at a CDN."""
    files = [p for folder in SHIPPED for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix != ".md"]
    assert len(files) > 20, "the scan found too few files: it is broken"
    offenders = [str(p.relative_to(ROOT)) for p in files if ONLINE_ASSET.search(p.read_bytes())]
    assert offenders == []


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_live_timing_settings_must_be_positive_seconds(monkeypatch, value):
    monkeypatch.setenv("GEOGOV_LIVE_STREAM_SECONDS", value)
    with pytest.raises(ValueError, match="GEOGOV_LIVE_STREAM_SECONDS must be a positive number of seconds"):
        config.load()
