"""GB 11643-1999 citizen ID numbers: checksum, birth date, masking."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def check_char(first17: str) -> str:
    """The 18th character that makes the first 17 digits a valid GB 11643 number."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=False))
    return CHECK_CHARS[total % 11]


def birth_date(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    if not ID_PATTERN.match(value or ""):
        raise ValidationError(_("身份证号须为18位，末位为数字或X"), code="id_format")
    if check_char(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位错误"), code="id_checksum")
    if birth_date(value) is None:
        raise ValidationError(_("身份证号中的出生日期无效"), code="id_birth_date")


def validate_phone(value: str) -> None:
    if value and not PHONE_PATTERN.match(value):
        raise ValidationError(_("电话号码格式错误"), code="phone_format")


def mask_id_number(value: str) -> str:
    """4201**********123X: region prefix and last four kept."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
