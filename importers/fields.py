"""Field parsers: a column of raw cell values in, typed values and a reason per bad cell out.

Each parser takes one column (a numpy object array of whatever the file held: str, int, float,
date, None) and returns ``(values, reasons)``: the parsed values (None where blank) and, per cell,
None or the reason it is rejected (zh-Hans first, English after a slash, as the reject report shows).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

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
    return lambda raw: _each(raw, convert)


def code(pattern: str, description: str) -> Parser:
    regex = re.compile(pattern)

    def convert(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"编码格式错误，应为{description} / bad code, expected {description}")
        return value
    return lambda raw: _each(raw, convert)


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
    return lambda raw: _each(raw, convert)


def number(low: float, high: float) -> Parser:
    def convert(value: str) -> float:
        try:
            result = float(value.replace(",", "").removesuffix("米").removesuffix("m").strip())
        except ValueError:
            raise ValueError(f"不是数字：{value} / not a number: {value}") from None
        if not math.isfinite(result) or not low <= result <= high:
            raise ValueError(f"须在{low:g}到{high:g}之间 / must be between {low:g} and {high:g}")
        return result
    return lambda raw: _each(raw, convert)


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
    return lambda raw: _each(raw, _date)


def moment() -> Parser:
    return lambda raw: _each(raw, _datetime)


@dataclass(frozen=True)
class Enum:
    """An enumeration: stored values, with the labels and aliases a register may write instead."""

    choices: type  # a Django TextChoices
    aliases: dict[str, str] = field(default_factory=dict)

    def lookup(self) -> dict[str, str]:
        table = {str(c.value).lower(): str(c.value) for c in self.choices}
        table.update({str(c.label).lower(): str(c.value) for c in self.choices})
        table.update({k.lower(): v for k, v in self.aliases.items()})
        return table


def enum(spec: Enum) -> Parser:
    def parser(raw: np.ndarray) -> Parsed:
        table = spec.lookup()
        allowed = "、".join(str(c.label) for c in spec.choices)

        def convert(value: str) -> str:
            found = table.get(value.lower())
            if found is None:
                raise ValueError(f"取值无效：{value}（可选：{allowed}） / not one of the allowed values: {value}")
            return found
        return _each(raw, convert)
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
    return lambda raw: _each(raw, convert)


def phone() -> Parser:
    def convert(value: str) -> str:
        value = re.sub(r"[\s()（）]", "", value).removeprefix("+86")
        if not PHONE_PATTERN.match(value):
            raise ValueError(f"电话号码格式错误：{value} / bad phone number: {value}")
        return value
    return lambda raw: _each(raw, convert)
