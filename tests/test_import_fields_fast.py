"""The field parsers' fast paths decide exactly as the per-cell path: same values (and types), same reasons."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from importers import fields as f
from importers.kinds import BUILDING_CODE, BUILDING_USE

NASTY = [None, "", " ", "null", "NULL", "None", "nan", "N/A", "-", "—", "无", float("nan"), True, False,
         " padded ", "in\u3000side", "\u3000lead", "tab\t", "line\n", "１２３", b"bytes", 0, -0.0, 3.0, 3.5, 1e20,
         10 ** 30, -7, "+5", " 5", "5.0", "1,000", "007", "-0", "x" * 300]
CASES = {
    "text": (f.text(20), ["楼栋一", "A栋", "x" * 20, "x" * 21, "name 2"]),
    "code": (f.code(BUILDING_CODE, "code"), ["B001", "b-02_x", "_bad", "a" * 33, "C 1", "ok9"]),
    "integer": (f.integer(1, 200), [1, 200, 201, 0, 5, "12", "200", "201", 2.0, 199.0, 1.5, "3层"]),
    "year": (f.integer(1000, 2030), [1999, "2001", 2031.0, 999, 2000.0]),
    "number": (f.number(0, 1000), [0, 1000, 1000.5, 12.25, 3, 0.1 + 0.2, "12.5", "12米", 2 ** 60, -1e-9]),
    "enum": (f.enum(BUILDING_USE), ["residential", "住宅", "居住", "RESIDENTIAL", "shop", "商铺", " 公建 "]),
    "date": (f.date(), ["2024-05-01", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "0999-01-01",
                        "0000-01-01", "2024/05/01", "20240501", "2024-5-1", "1900-02-29", "2000-02-29",
                        dt.date(2020, 1, 2), "2024-05-01 00:00:00"]),
    "id_number": (f.id_number(), ["11010519491231002X", "11010519491231002x", "110105194912310021",
                                  "110105187912310025", "110105299912310021", "110105190002290020",
                                  "11010519000229002", "１１０１０５１９４９１２３１００２X", "110105200002290029"]),
    "phone": (f.phone(), ["13800138000", "138 0013 8000", "+8613800138000", "010-12345678", "0101234567",
                          "12800138000", "(010)12345678", "13800138000\n"]),
}


def _typed(values: np.ndarray) -> list:
    return [(type(v), repr(v)) for v in values.tolist()]  # repr: -0.0 is not 0.0


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_decides_as_each_cell(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    parser, own = CASES[name]
    column = np.array(own + NASTY + own[::-1], dtype=object)
    values, reasons = parser(column)
    monkeypatch.setattr(f, "_checked", lambda raw, convert, sure: f._each(raw, convert))
    slow_values, slow_reasons = parser(column)
    assert _typed(values) == _typed(slow_values)
    assert reasons.tolist() == slow_reasons.tolist()


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_on_clean_columns(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column of only good cells (the case the fast path is for) gives the per-cell values."""
    parser, own = CASES[name]
    column = np.array(own, dtype=object)
    good = np.equal(parser(column)[1], None)
    column = column[good]
    values, reasons = parser(column)
    monkeypatch.setattr(f, "_checked", lambda raw, convert, sure: f._each(raw, convert))
    assert _typed(values) == _typed(parser(column)[0])
    assert reasons.tolist() == [None] * len(column)


def test_fast_paths_vouch_for_clean_cells() -> None:
    """The fast paths do decide the clean cells (else they would win nothing)."""
    assert f._sure_text(5)(np.array(["abc", " a", "abcdef"], dtype=object))[1].tolist() == [True, False, False]
    assert f._sure_id_number(np.array(["11010519491231002X", "110105194912310021"], dtype=object))[1].tolist() == \
        [True, False]
    assert f._sure_date(np.array(["2024-02-29", "2023-02-29"], dtype=object))[0].tolist() == \
        [dt.date(2024, 2, 29), None]
    assert f._sure_integer(1, 10)(np.array([1, 2.0, 11], dtype=object))[1].tolist() == [True, True, False]
