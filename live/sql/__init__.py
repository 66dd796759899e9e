"""SQL of the live feed (triggers that NOTIFY), one commented file per object, loaded by name."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent


def load(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
