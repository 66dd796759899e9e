"""Size bounds of a grid: the nearest SizeRule on its village, town or county, else the settings' default."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings

from layers.models import Division
from planning.models import SizeRule


@dataclass(frozen=True)
class Bounds:
    min_households: int
    max_households: int
    min_residents: int
    max_residents: int

    @classmethod
    def default(cls) -> Bounds:
        """GEOGOV_PLANNING_HOUSEHOLDS and GEOGOV_PLANNING_RESIDENTS (urban street defaults)."""
        (low_h, high_h), (low_r, high_r) = settings.GEOGOV_PLANNING_HOUSEHOLDS, settings.GEOGOV_PLANNING_RESIDENTS
        return cls(low_h, high_h, low_r, high_r)

    @classmethod
    def of(cls, rule: SizeRule) -> Bounds:
        return cls(rule.min_households, rule.max_households, rule.min_residents, rule.max_residents)

    def within(self, households: int, residents: int) -> bool:
        return (self.min_households <= households <= self.max_households
                and self.min_residents <= residents <= self.max_residents)

    def as_dict(self) -> dict:
        return asdict(self)


def chain(village_code: str) -> list[str]:
    """The village's code, then its town's and county's (statistical codes: 6 + 3 + 3 digits)."""
    return [village_code, village_code[:9] + "000", village_code[:6] + "000000"]


def bounds_for(village: Division) -> Bounds:
    """The rule nearest to the village (village → town → county), else the default."""
    codes = chain(village.code)
    rules = {rule.division.code: rule for rule in SizeRule.objects.filter(division__code__in=codes)
             .select_related("division")}
    return next((Bounds.of(rules[code]) for code in codes if code in rules), Bounds.default())
