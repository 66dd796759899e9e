"""Residents: 1,000,000 register rows as CSV and as XLSX into households that exist in the scratch database.

The households (two per imported building, codes ``<building code>-1`` / ``-2``) are created in
SQL, set-based, from the buildings the first part imported. The rows carry fake ID numbers with
valid GB 11643 check characters, birth dates and sexes that agree with them, and valid phone
numbers, so every row is accepted: the gate is 0 rejects and 1,000,000 residents in the table.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.db import connection

HOUSEHOLDS_PER_BUILDING = 2
COLUMNS = ("id_number", "household_code", "name", "sex", "birth_date", "phone", "relation", "residence_type")
REGIONS = (610902, 610921, 610922, 610923, 610924, 610925, 610926, 610927, 610929, 610981)
HOUSEHOLDS_SQL = (Path(__file__).resolve().parents[1] / "sql" / "imports_households.sql").read_text(encoding="utf-8")


def create_households() -> int:
    """Two households per building of the scratch database (emptied first); returns how many."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE layers_resident, layers_household RESTART IDENTITY CASCADE")
        cursor.execute(HOUSEHOLDS_SQL, {"per_building": HOUSEHOLDS_PER_BUILDING})
        cursor.execute("ANALYZE layers_household")
        cursor.execute("SELECT count(*) FROM layers_household")
        return cursor.fetchone()[0]


def household_codes(building_codes: np.ndarray) -> np.ndarray:
    """The codes create_households gives, in building order."""
    return np.array([f"{code}-{k}" for code in building_codes.tolist()
                     for k in range(1, HOUSEHOLDS_PER_BUILDING + 1)], dtype=object)


def rows(count: int, households: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """``count`` residents spread over the households, columns as the residents kind names them."""
    from layers.demo import names

    rng = np.random.default_rng(seed)
    household = np.sort(rng.integers(0, len(households), size=count))
    male = rng.random(count) < 0.5
    days = rng.integers(0, (2010 - 1940) * 365, size=count)
    birth = np.datetime64("1940-01-01") + days.astype("timedelta64[D]")
    iso = np.datetime_as_string(birth, unit="D")
    yyyymmdd = np.char.replace(iso, "-", "").astype(np.int64)
    region = np.array(REGIONS)[rng.integers(0, len(REGIONS), size=count)]
    sex = np.where(male, "M", "F").astype(object)
    first = np.r_[True, household[1:] != household[:-1]]
    return {
        "id_number": names.id_numbers(region, yyyymmdd, male, rng), "household_code": households[household],
        "name": names.person_names(sex, rng), "sex": sex, "birth_date": iso.astype(object),
        "phone": names.phones(count, rng), "relation": np.where(first, "head", "child").astype(object),
        "residence_type": np.full(count, "registered", dtype=object),
    }


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(zip(*(columns[c].tolist() for c in COLUMNS), strict=True))
    tmp.rename(path)


def write_xlsx(path: Path, columns: dict[str, np.ndarray]) -> None:
    import xlsxwriter

    tmp = path.with_name(path.stem + ".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet("residents")
    sheet.write_row(0, 0, COLUMNS)
    for i, row in enumerate(zip(*(columns[c].tolist() for c in COLUMNS), strict=True), start=1):
        sheet.write_row(i, 0, row)
    book.close()
    tmp.rename(path)


def ensure_files(folder: Path, buildings: Path, count: int, seed: int, say: Callable[[str], None]) -> tuple[Path, Path]:
    """The CSV and XLSX files (cached; made when missing)."""
    import pyogrio

    csv_path, xlsx_path = folder / f"residents_{count}.csv", folder / f"residents_{count}.xlsx"
    if csv_path.exists() and xlsx_path.exists():
        return csv_path, xlsx_path
    say(f"writing {count:,} residents as CSV and XLSX (the XLSX takes a minute or two) …")
    codes = pyogrio.read_dataframe(buildings, columns=["code"], read_geometry=False)["code"].to_numpy(dtype=object)
    columns = rows(count, household_codes(codes), seed)
    write_csv(csv_path, columns)
    write_xlsx(xlsx_path, columns)
    return csv_path, xlsx_path
