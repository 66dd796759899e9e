"""SQL of the incident workflow that the ORM cannot express, one commented file per statement."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent


def load(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
