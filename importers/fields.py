"""Field parsers: a column of raw cell values in, typed values and a reason per bad cell out.

Each parser takes one column (a numpy object array of whatever the file held: str, int, float,
date, None) and returns ``(values, reasons)``: the parsed values (None where blank) and, per cell,
None or the reason it is rejected (zh-Hans first, English after a slash, as the reject report shows).
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
from django.utils import translation

from layers.idnumber import CHECK_CHARS, ID_PATTERN, PHONE_PATTERN, WEIGHTS, birth_date

Parsed = tuple[np.ndarray, np.ndarray]
Parser = Callable[[np.ndarray], Parsed]

BLANKS = {"", "null", "none", "nan", "n/a", "-", "—", "无"}


def cell_text(value) -> str | None:
    """A cell as stripped text, None when blank (numbers keep no trailing .0 when whole)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip().replace("\u3000", " ")
    return None if text.lower() in BLANKS else text


MEMO_CELLS = 10_000  # distinct cells _each remembers per column (codes and ID numbers never repeat)


def _each(raw: np.ndarray, convert: Callable[[str], object]) -> Parsed:
    """Apply convert to every non-blank cell; a ValueError's message becomes that cell's reason."""
    values = np.empty(len(raw), dtype=object)
    reasons = np.empty(len(raw), dtype=object)
    seen: dict = {}  # (type, cell) → (value, reason): columns repeat most of their values (floors, use …)
    for i, cell in enumerate(raw.tolist()):
        key = (type(cell), cell)
        try:
            value, reason = seen[key]
        except (KeyError, TypeError):  # TypeError: an unhashable cell, converted every time
            value, reason = _convert(cell, convert)
            if len(seen) < MEMO_CELLS and not isinstance(value, list):  # lists (tags) are not shared
                try:
                    seen[key] = value, reason
                except TypeError:
                    pass
        values[i], reasons[i] = value, reason
    return values, reasons


# Fast paths. A column is mostly clean; a "sure" function decides in C-level passes (map over str
# methods, one compiled regex, numpy) which cells it can vouch for and their values; only the other
# cells go through _each one by one, so every reject reason is the per-cell path's own.
Sure = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # raw → (values where sure, sure mask)


def _checked(raw: np.ndarray, convert: Callable[[str], object], sure: Sure) -> Parsed:
    """The cells ``sure`` vouches for as it says; the rest through ``_each``."""
    values, ok = sure(raw)
    blank = np.equal(raw, None) | np.equal(raw, "")  # the usual blanks: no value, no reason
    values[blank] = None
    reasons = np.full(len(raw), None, dtype=object)
    rest = np.flatnonzero(~(ok | blank))
    if len(rest):
        values[rest], reasons[rest] = _each(raw[rest], convert)
    return values, reasons


def _mask(items) -> np.ndarray:
    return np.fromiter(items, dtype=bool)


BLANK_LENGTH = max(map(len, BLANKS))


def _plain(raw: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The cells as str ('' where not a str), their lengths, and which of them cell_text returns unchanged
    (a non-blank str)."""
    cells = raw.tolist()
    is_str = _mask(map(operator.is_, map(type, cells), repeat(str)))
    strings = cells if is_str.all() else [c if s else "" for c, s in zip(cells, is_str.tolist(), strict=True)]
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    plain = (is_str & _mask(map(operator.eq, map(str.strip, strings), strings))
             & ~_mask(map(operator.contains, strings, repeat("\u3000"))))
    short = np.flatnonzero(lengths <= BLANK_LENGTH)  # only a short cell can be a blank word
    plain[short] &= ~_mask(BLANKS.__contains__(strings[i].lower()) for i in short.tolist())
    return strings, lengths, plain


def _as_is(raw: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.empty(len(raw), dtype=object)
    values[ok] = raw[ok]
    return values, ok


def _sure_text(max_length: int) -> Sure:
    def sure(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, lengths, plain = _plain(raw)
        return _as_is(raw, plain & (lengths <= max_length))
    return sure


def _sure_match(regex: re.Pattern, method: str = "fullmatch") -> Sure:
    """Plain cells the regex matches (its ``method``: fullmatch, or match for anchored patterns) stand as they are."""
    def sure(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        strings, _, plain = _plain(raw)
        return _as_is(raw, plain & _mask(map(operator.is_not, map(getattr(regex, method), strings), repeat(None))))
    return sure


EXACT_INT = 2 ** 53  # whole numbers a float holds exactly: the per-cell path goes through float()


def _sure_integer(low: int, high: int) -> Sure:
    """Columns of Python ints or floats (GDAL, spreadsheets) or plain digit strings (CSV), decided with numpy."""
    digits = re.compile(r"[+-]?[0-9]{1,15}")

    def sure(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cells = raw.tolist()
        values = np.empty(len(cells), dtype=object)
        types = set(map(type, cells))
        if types == {str}:
            _, _, plain = _plain(raw)
            ok = plain & _mask(map(operator.is_not, map(digits.fullmatch, cells), repeat(None)))
            numbers = np.zeros(len(cells), dtype=np.int64)
            numbers[ok] = np.array([int(c) for c, k in zip(cells, ok.tolist(), strict=True) if k], dtype=np.int64)
        elif types in ({int}, {float}, {int, float}):
            try:
                floats = np.array(cells, dtype=np.float64)
            except OverflowError:
                return values, np.zeros(len(cells), dtype=bool)
            ok = np.isfinite(floats) & (np.floor(floats) == floats) & (np.abs(floats) < EXACT_INT)
            numbers = np.where(ok, floats, 0).astype(np.int64)
        else:
            return values, np.zeros(len(cells), dtype=bool)
        ok &= (numbers >= low) & (numbers <= high)
        values[ok] = numbers[ok].astype(object)
        return values, ok
    return sure


def _sure_number(low: float, high: float) -> Sure:
    def sure(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cells = raw.tolist()
        values = np.empty(len(cells), dtype=object)
        if set(map(type, cells)) - {int, float}:
            return values, np.zeros(len(cells), dtype=bool)
        try:
            floats = np.array(cells, dtype=np.float64)
        except OverflowError:
            return values, np.zeros(len(cells), dtype=bool)
        ok = np.isfinite(floats) & (floats >= low) & (floats <= high) & (np.abs(floats) < EXACT_INT)
        values[ok] = (floats[ok] + 0.0).astype(object)  # -0.0 → 0.0, as the text path reads it
        return values, ok
    return sure


DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _digits(strings: list[str], width: int) -> np.ndarray:
    """ASCII strings of one width as a (rows, width) matrix of their bytes."""
    return np.frombuffer("".join(strings).encode("ascii"), dtype=np.uint8).reshape(len(strings), width)


def _number_in(matrix: np.ndarray, start: int, stop: int) -> np.ndarray:
    weights = 10 ** np.arange(stop - start - 1, -1, -1)
    return (matrix[:, start:stop].astype(np.int64) - 48) @ weights


def _real_day(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last = DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return month_ok & (day >= 1) & (day <= last) & (year >= 1)


def _ymd_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    return (months.astype("datetime64[D]") + (day - 1)).astype(object)  # datetime.date objects


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _sure_date(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain ISO dates (2024-05-01) that are real days of years 1000–9999."""
    strings, _, plain = _plain(raw)
    ok = plain & _mask(map(operator.is_not, map(ISO_DATE.fullmatch, strings), repeat(None)))
    values = np.empty(len(strings), dtype=object)
    at = np.flatnonzero(ok)
    if len(at):
        matrix = _digits([strings[i] for i in at.tolist()], 10)
        year, month, day = _number_in(matrix, 0, 4), _number_in(matrix, 5, 7), _number_in(matrix, 8, 10)
        real = _real_day(year, month, day) & (year >= 1000)
        ok[at[~real]] = False
        values[at[real]] = _ymd_dates(year[real], month[real], day[real])
    return values, ok


ID_ASCII = re.compile(r"[0-9]{17}[0-9X]")


def _sure_id_number(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain 18-character ASCII ID numbers with a right check character and a birth date from 1880 to today."""
    strings, _, plain = _plain(raw)
    ok = plain & _mask(map(operator.is_not, map(ID_ASCII.fullmatch, strings), repeat(None)))
    at = np.flatnonzero(ok)
    if len(at):
        matrix = _digits([strings[i] for i in at.tolist()], 18)
        total = (matrix[:, :17].astype(np.int64) - 48) @ np.array(WEIGHTS)
        right = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)[total % 11] == matrix[:, 17]
        year, month, day = _number_in(matrix, 6, 10), _number_in(matrix, 10, 12), _number_in(matrix, 12, 14)
        today = dt.date.today()
        born = year * 10_000 + month * 100 + day
        good = (right & _real_day(year, month, day) & (year >= 1880)
                & (born <= today.year * 10_000 + today.month * 100 + today.day))
        ok[at[~good]] = False
    return _as_is(raw, ok)


def _convert(cell, convert: Callable[[str], object]) -> tuple[object, str | None]:
    text = cell_text(cell)
    if text is None:
        return None, None
    try:
        return convert(text), None
    except ValueError as exc:
        return None, str(exc)


def text(max_length: int) -> Parser:
    def convert(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"超过{max_length}个字符 / longer than {max_length} characters")
        return value
    sure = _sure_text(max_length)
    return lambda raw: _checked(raw, convert, sure)


def code(pattern: str, description: str) -> Parser:
    regex = re.compile(pattern)

    def convert(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"编码格式错误，应为{description} / bad code, expected {description}")
        return value
    sure = _sure_match(regex)
    return lambda raw: _checked(raw, convert, sure)


def integer(low: int, high: int) -> Parser:
    def convert(value: str) -> int:
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise ValueError(f"不是整数：{value} / not a whole number: {value}") from None
        if not number.is_integer():
            raise ValueError(f"不是整数：{value} / not a whole number: {value}")
        if not low <= number <= high:
            raise ValueError(f"须在{low}到{high}之间 / must be between {low} and {high}")
        return int(number)
    sure = _sure_integer(low, high)
    return lambda raw: _checked(raw, convert, sure)


def number(low: float, high: float) -> Parser:
    def convert(value: str) -> float:
        try:
            result = float(value.replace(",", "").removesuffix("米").removesuffix("m").strip())
        except ValueError:
            raise ValueError(f"不是数字：{value} / not a number: {value}") from None
        if not math.isfinite(result) or not low <= result <= high:
            raise ValueError(f"须在{low:g}到{high:g}之间 / must be between {low:g} and {high:g}")
        return result
    sure = _sure_number(low, high)
    return lambda raw: _checked(raw, convert, sure)


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                    "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y-%m-%dT%H:%M:%S.%f%z")  # fractional seconds, as exports write them
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def _date(value: str) -> dt.date:
    head = value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]00:00(:00)?$", value) else value
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"日期格式错误：{value}（应为 2024-05-01） / bad date: {value} (expected 2024-05-01)")


def _datetime(value: str) -> dt.datetime:
    value = value.replace("Z", "+00:00")
    for fmt in DATETIME_FORMATS:
        try:
            moment = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        # a time without a zone is Beijing time, as every Chinese register writes it
        return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)
    try:
        return dt.datetime.combine(_date(value), dt.time(), CHINA_TZ)
    except ValueError:
        raise ValueError(f"时间格式错误：{value}（应为 2024-05-01 08:30:00） / bad time: {value}") from None


def date() -> Parser:
    return lambda raw: _checked(raw, _date, _sure_date)


def moment() -> Parser:
    return lambda raw: _each(raw, _datetime)


@dataclass(frozen=True)
class Enum:
    """An enumeration: stored values, with the labels and aliases a register may write instead."""

    choices: type  # a Django TextChoices
    aliases: dict[str, str] = field(default_factory=dict)

    def lookup(self) -> dict[str, str]:
        """Stored value, zh-Hans label and English label → stored value, whatever language is active."""
        table = {str(c.value).lower(): str(c.value) for c in self.choices}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                table.update({str(c.label).lower(): str(c.value) for c in self.choices})
        table.update({k.lower(): v for k, v in self.aliases.items()})
        return table

    def labels(self) -> str:
        """The zh-Hans labels, for messages (which are zh-Hans first whatever language is active)."""
        with translation.override("zh-hans"):
            return "、".join(str(c.label) for c in self.choices)


def enum(spec: Enum) -> Parser:
    def parser(raw: np.ndarray) -> Parsed:
        table = spec.lookup()
        allowed = spec.labels()

        def convert(value: str) -> str:
            found = table.get(value.lower())
            if found is None:
                raise ValueError(f"取值无效：{value}（可选：{allowed}） / not one of the allowed values: {value}")
            return found
        return _each(raw, convert)  # few distinct values: _each's memo beats any fast path
    return parser


def tags(spec: Enum) -> Parser:
    """A list of enumeration values in one cell, separated by 、 , ; | or spaces."""
    def parser(raw: np.ndarray) -> Parsed:
        table = spec.lookup()

        def convert(value: str) -> list[str]:
            items = [t for t in re.split(r"[、,，;；|\s]+", value) if t]
            unknown = [t for t in items if t.lower() not in table]
            if unknown:
                raise ValueError(f"未知标签：{'、'.join(unknown)} / unknown tags: {', '.join(unknown)}")
            return sorted({table[t.lower()] for t in items})
        return _each(raw, convert)
    return parser


def id_number() -> Parser:
    """GB 11643 numbers: 18 characters, a valid check character and a real birth date."""
    def convert(value: str) -> str:
        value = value.upper()
        if not ID_PATTERN.match(value):
            raise ValueError("身份证号须为18位，末位为数字或X / ID number must be 18 characters")
        total = sum(int(d) * w for d, w in zip(value[:17], WEIGHTS, strict=True))
        if CHECK_CHARS[total % 11] != value[17]:
            raise ValueError("身份证号校验位错误 / ID number checksum is wrong")
        born = birth_date(value)
        if born is None or born > dt.date.today() or born.year < 1880:
            raise ValueError("身份证号中的出生日期无效 / ID number holds an impossible birth date")
        return value
    return lambda raw: _checked(raw, convert, _sure_id_number)


def phone() -> Parser:
    def convert(value: str) -> str:
        value = re.sub(r"[\s()（）]", "", value).removeprefix("+86")
        if not PHONE_PATTERN.match(value):
            raise ValueError(f"电话号码格式错误：{value} / bad phone number: {value}")
        return value
    sure = _sure_match(PHONE_PATTERN, "match")  # anchored; plain cells hold no spaces, brackets or +86
    return lambda raw: _checked(raw, convert, sure)
