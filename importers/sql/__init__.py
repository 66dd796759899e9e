"""The import SQL: one commented file per statement, loaded by name, every value bound."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent


def load(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
