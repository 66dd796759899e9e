"""Buildings' figures, units, households and residents as column arrays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from layers.demo import names
from layers.demo.profiles import ProfileSpec

METRES_PER_FLOOR = 3.0
YEAR_BUILT = (1985, 2022)


@dataclass(frozen=True)
class Composition:
    """Who lives in a household of this shape, and how old its head may be."""

    relations: tuple[str, ...]
    weight: float
    head_age: tuple[int, int]


COMPOSITIONS = (
    Composition(("head",), 1.0, (20, 69)),
    Composition(("head", "spouse"), 0.75, (22, 84)),
    Composition(("head", "child"), 0.25, (38, 70)),
    Composition(("head", "spouse", "child"), 0.85, (26, 58)),
    Composition(("head", "spouse", "parent"), 0.15, (28, 50)),
    Composition(("head", "spouse", "child", "child"), 0.55, (31, 52)),
    Composition(("head", "spouse", "child", "parent"), 0.45, (29, 50)),
    Composition(("head", "spouse", "child", "parent", "parent"), 0.5, (29, 48)),
    Composition(("head", "spouse", "child", "other", "grandchild"), 0.5, (50, 70)),
    Composition(("head", "spouse", "child", "child", "parent", "parent"), 0.5, (33, 48)),
    Composition(("head", "spouse", "child", "other", "grandchild", "grandchild"), 0.5, (52, 72)),
)

# Age of a member relative to the head: (low, high) years added to the head's age.
RELATIVE_AGE = {
    "spouse": (-6, 3),
    "child": (-36, -23),
    "parent": (23, 33),
    "grandchild": (-62, -48),
    "other": (-35, -24),
}
MALE_SHARE = {"head": 0.68, "child": 0.52, "parent": 0.45, "grandchild": 0.52, "other": 0.3}

TIER_SHARES = {"green": 0.836, "yellow": 0.108, "red": 0.056}
ELDERLY_TIER_SHARES = {"green": 0.0, "yellow": 0.5, "red": 0.5}
RESIDENCE_SHARES = {"registered": 0.793, "floating": 0.2, "overseas": 0.007}
ELDERLY_AGE = (70, 93)
PHONE_MIN_AGE = 14
# Care tags drawn independently: tag -> (share, minimum age).
CARE_TAGS = {"disabled": (0.015, 0), "subsidy": (0.02, 0), "veteran": (0.012, 40), "left_behind": (0.004, 60),
             "special_care": (0.003, 0)}


def building_figures(spec: ProfileSpec, types: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Floors, units, rooms per floor, height, use and year of each building."""
    table = spec.building_types
    lo = np.array([t.floors[0] for t in table])[types]
    hi = np.array([t.floors[1] for t in table])[types]
    floors = rng.integers(lo, hi + 1)
    units = rng.integers(np.array([t.units[0] for t in table])[types], np.array([t.units[1] for t in table])[types] + 1)
    height = np.round(floors * METRES_PER_FLOOR + rng.uniform(0.3, 2.5, size=len(types)), 1)
    return {
        "floors": floors, "units": units, "rooms": np.array([t.rooms_per_floor for t in table])[types],
        "height": height, "use": np.array([t.use for t in table], dtype=object)[types],
        "year_built": rng.integers(YEAR_BUILT[0], YEAR_BUILT[1] + 1, size=len(types)),
        "first_floor": np.where(np.array([t.use == "mixed" for t in table])[types], 2, 1),
    }


def households(spec: ProfileSpec, figures: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Occupied rooms: building index, unit number, floor and room label of each household."""
    per_floor = figures["units"] * figures["rooms"]
    living_floors = figures["floors"] - figures["first_floor"] + 1
    capacity = per_floor * living_floors
    offsets = np.concatenate([[0], np.cumsum(capacity)])
    taken = np.sort(rng.choice(offsets[-1], size=min(spec.households, int(offsets[-1])), replace=False))
    building = np.searchsorted(offsets, taken, side="right") - 1
    k = taken - offsets[building]
    rooms = figures["rooms"][building]
    floors_per_unit = living_floors[building]
    unit = k // (floors_per_unit * rooms) + 1
    rest = k % (floors_per_unit * rooms)
    floor = rest // rooms + figures["first_floor"][building]
    numbers = zip(floor.tolist(), (rest % rooms + 1).tolist(), strict=True)
    room = np.array([f"{f}{r:02d}" for f, r in numbers], dtype=object)
    return {"building": building, "unit": unit, "floor": floor, "room": room}


def draw(shares: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def household_kinds(spec: ProfileSpec, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Size of each household and which single households are elderly people living alone."""
    size, share = np.array(spec.household_sizes).T
    sizes = size.astype(np.int64)[rng.choice(len(size), size=n, p=share / share.sum())]
    singles = np.flatnonzero(sizes == 1)
    elderly = np.zeros(n, dtype=bool)
    elderly[rng.choice(singles, size=min(spec.elderly_alone, len(singles)), replace=False)] = True
    return sizes, elderly


def compositions_for(sizes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into COMPOSITIONS for each household, drawn among those of its size."""
    result = np.empty(len(sizes), dtype=np.int64)
    for size in np.unique(sizes):
        options = [i for i, c in enumerate(COMPOSITIONS) if len(c.relations) == size]
        weights = np.array([COMPOSITIONS[i].weight for i in options])
        mask = sizes == size
        result[mask] = np.array(options)[rng.choice(len(options), size=int(mask.sum()), p=weights / weights.sum())]
    return result


def member_rows(kinds: np.ndarray, elderly: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One row per resident: household index, slot, relation, age and sex, grouped by composition."""
    parts: list[dict[str, np.ndarray]] = []
    for index, comp in enumerate(COMPOSITIONS):
        members = np.flatnonzero(kinds == index)
        if not len(members):
            continue
        head_age = rng.integers(comp.head_age[0], comp.head_age[1] + 1, size=len(members))
        old = elderly[members]
        head_age[old] = rng.integers(ELDERLY_AGE[0], ELDERLY_AGE[1] + 1, size=int(old.sum()))
        head_male = rng.random(len(members)) < MALE_SHARE["head"]
        for slot, relation in enumerate(comp.relations):
            if relation == "head":
                age, male = head_age, head_male
            else:
                lo, hi = RELATIVE_AGE[relation]
                age = np.clip(head_age + rng.integers(lo, hi + 1, size=len(members)), 0, 99)
                male = ~head_male if relation == "spouse" else rng.random(len(members)) < MALE_SHARE[relation]
            parts.append({"household": members, "slot": np.full(len(members), slot), "age": age, "male": male,
                          "relation": np.full(len(members), relation, dtype=object)})
    rows = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.lexsort((rows["slot"], rows["household"]))
    return {key: value[order] for key, value in rows.items()}


def birth_dates(age: np.ndarray, census: dt.date, rng: np.random.Generator) -> np.ndarray:
    """datetime64[D] birth dates: exactly `age` full years before the census date."""
    days = np.floor(age * 365.2425).astype(np.int64) + rng.integers(1, 365, size=len(age))
    return np.datetime64(census, "D") - days.astype("timedelta64[D]")


def care_tags(age: np.ndarray, elderly: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Postgres array literals like '{elderly_alone,disabled}'."""
    tags = [np.where(elderly, "elderly_alone", "")]
    for tag, (share, min_age) in CARE_TAGS.items():
        tags.append(np.where((rng.random(len(age)) < share) & (age >= min_age), tag, ""))
    rows = zip(*(t.tolist() for t in tags), strict=True)
    return np.array(["{" + ",".join(t for t in row if t) + "}" for row in rows], dtype=object)


def residents(spec: ProfileSpec, hh_region: np.ndarray, rng: np.random.Generator) -> tuple[dict, dict]:
    """Household-level columns (tier, residence) and one row per resident."""
    n = len(hh_region)
    sizes, elderly = household_kinds(spec, n, rng)
    tier = draw(TIER_SHARES, n, rng)
    tier[elderly] = draw(ELDERLY_TIER_SHARES, int(elderly.sum()), rng)
    residence = draw(RESIDENCE_SHARES, n, rng)
    residence[elderly] = "registered"
    rows = member_rows(compositions_for(sizes, rng), elderly, rng)
    hh = rows["household"]
    sex = np.where(rows["male"], "M", "F").astype(object)
    birth = birth_dates(rows["age"], spec.census_date, rng)
    yyyymmdd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "").astype(np.int64)
    alone = elderly[hh]
    phone = names.phones(len(hh), rng)
    phone[rows["age"] < PHONE_MIN_AGE] = ""
    people = {
        "household": hh, "name": names.person_names(sex, rng), "sex": sex,
        "birth_date": np.datetime_as_string(birth, unit="D").astype(object),
        "id_number": names.id_numbers(hh_region[hh], yyyymmdd, rows["male"], rng),
        "phone": phone, "relation": rows["relation"], "residence_type": residence[hh],
        "care_tags": care_tags(rows["age"], alone, rng), "age": rows["age"],
    }
    return {"tier": tier, "residence": residence, "elderly": elderly}, people
