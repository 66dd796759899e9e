"""What the map's search box matches: a declarative table of kind → field → match modes.

A mode's value is its rank (lower is better): an exact hit beats a prefix hit beats a substring hit.
Each field rule names the queries it applies to; residents are found by name only, never by ID
number or phone, and a query that looks like one (any digit) does not search residents at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from django.db.models import Q


class Mode(IntEnum):
    EXACT = 0
    PREFIX = 1
    CONTAINS = 2


LOOKUP = {Mode.EXACT: "exact", Mode.PREFIX: "startswith", Mode.CONTAINS: "contains"}
# A one-character substring matches nearly everything and no index helps; prefixes cover it.
MIN_LENGTH = {Mode.EXACT: 1, Mode.PREFIX: 1, Mode.CONTAINS: 2}

CODE_PATTERN = re.compile(r"^[0-9A-Za-z-]+$")
# ID numbers (GB 11643, 18 characters) and phone numbers are digits: names never contain one.
PERSONAL_NUMBER_PATTERN = re.compile(r"\d")
RESIDENT_NAME_MIN_LENGTH = 2
# pg_trgm takes no trigram from a shorter LIKE '%ab%', so a GIN index cannot narrow it down.
TRIGRAM_MIN_LENGTH = 3


def looks_like_code(query: str) -> bool:
    """Division, grid and building codes are digits and ASCII letters."""
    return bool(CODE_PATTERN.match(query))


def looks_like_personal_number(query: str) -> bool:
    """True for anything that could be (part of) an ID number or phone number."""
    return bool(PERSONAL_NUMBER_PATTERN.search(query))


def is_resident_name(query: str) -> bool:
    return len(query) >= RESIDENT_NAME_MIN_LENGTH and not looks_like_personal_number(query)


def any_query(query: str) -> bool:
    return True


def as_typed(query: str) -> tuple[str, ...]:
    return (query,)


def code_spellings(query: str) -> tuple[str, ...]:
    """Codes are stored upper-case (B0001); accept b0001 too without a case-blind, unindexed match."""
    return tuple(dict.fromkeys((query, query.upper())))


@dataclass(frozen=True)
class FieldRule:
    field: str
    modes: tuple[Mode, ...]
    applies: Callable[[str], bool] = any_query
    spellings: Callable[[str], tuple[str, ...]] = as_typed
    min_length: int = 1

    def condition(self, mode: Mode, query: str) -> Q | None:
        """The filter for this field in one mode, or None when the rule does not apply."""
        too_short = len(query) < max(MIN_LENGTH[mode], self.min_length)
        if mode not in self.modes or too_short or not self.applies(query):
            return None
        condition = Q()
        for spelling in self.spellings(query):
            condition |= Q(**{f"{self.field}__{LOOKUP[mode]}": spelling})
        return condition


CODE_MODES = (Mode.EXACT, Mode.PREFIX)
NAME_MODES = (Mode.EXACT, Mode.PREFIX, Mode.CONTAINS)

MATCH_TABLE: dict[str, tuple[FieldRule, ...]] = {
    "division": (FieldRule("code", CODE_MODES, looks_like_code, code_spellings), FieldRule("name", NAME_MODES)),
    "grid": (FieldRule("code", CODE_MODES, looks_like_code, code_spellings), FieldRule("name", NAME_MODES)),
    "building": (
        FieldRule("code", CODE_MODES, looks_like_code, code_spellings),
        # Prefix, not "=": the trigram index serves LIKE 'ab%' with good row estimates, while a
        # generic "=" estimate made the planner walk the code index through all 200k rows.
        FieldRule("name", (Mode.PREFIX,)),
        # 200k rows at city scale: substrings only from 3 characters, where the trigram index serves.
        FieldRule("address", (Mode.CONTAINS,), min_length=TRIGRAM_MIN_LENGTH),
        FieldRule("name", (Mode.CONTAINS,), min_length=TRIGRAM_MIN_LENGTH),
    ),
    "resident": (FieldRule("name", (Mode.EXACT, Mode.PREFIX), is_resident_name),),
}


def conditions(kind: str, query: str) -> list[tuple[Mode, Q]]:
    """(mode, filter) pairs for a kind, best mode first; modes no field applies to are left out."""
    found = []
    for mode in Mode:
        parts = [c for rule in MATCH_TABLE[kind] if (c := rule.condition(mode, query)) is not None]
        if parts:
            combined = Q()
            for part in parts:
                combined |= part
            found.append((mode, combined))
    return found
