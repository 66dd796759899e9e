"""The figures' SQL, one commented file per figure group, loaded by name."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent


def load(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
