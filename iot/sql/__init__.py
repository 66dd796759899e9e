"""SQL of the IoT app that the ORM cannot express, one commented file per statement, every value bound."""

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent


@cache
def load(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
