"""The two scale profiles as declarative tables of figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class BuildingType:
    """A footprint shape and the figures of buildings of that type."""

    name: str
    size_m: tuple[float, float]  # length along the street, depth
    floors: tuple[int, int]  # inclusive range
    units: tuple[int, int]
    rooms_per_floor: int  # per unit
    use: str
    weight: float


@dataclass(frozen=True)
class ProfileSpec:
    """Everything that differs between the demo street and the city."""

    name: str
    centre: tuple[float, float]  # lon, lat
    region_m: tuple[tuple[float, float], ...]  # outline of the whole area, metres around the centre
    county_codes: tuple[str, ...]  # 6-digit county codes
    county_names: tuple[str, ...]
    city_name: str
    towns_per_county: tuple[int, int]
    villages_per_town: tuple[int, int]
    grids_per_village: tuple[int, ...]  # level-1 counts; for the demo exactly one per village
    sub_grids: tuple[int, ...]  # sub-grids per grid at levels 2, 3 (empty: level 1 only)
    buildings: int
    building_types: tuple[BuildingType, ...]
    settlement_share: float  # share of a leaf grid's area that holds buildings (1 = everywhere)
    households: int
    elderly_alone: int
    cameras: int
    incidents: int
    hotspots: int
    town_names: tuple[str, ...] = ()
    village_names: tuple[str, ...] = ()
    street_lattice_m: tuple[float, float] = (75.0, 40.0)  # plot pitch along / across the street
    block_plots: tuple[int, int] = (2, 3)  # plots per block, a street between blocks
    street_width_m: float = 18.0
    rotation_deg: float = 12.0
    census_date: dt.date = dt.date(2025, 1, 1)
    part_time_share: float = 0.4
    first_town: int = 10
    first_village: int = 1
    assign_in_database: bool = True  # run the spatial queryset methods after loading
    # persons per household -> share; urban China about 3.1, the whole prefecture about 2.8
    household_sizes: tuple[tuple[int, float], ...] = ((1, 0.12), (2, 0.24), (3, 0.28), (4, 0.19), (5, 0.11),
                                                      (6, 0.06))


URBAN_TYPES = (
    BuildingType("slab", (60.0, 12.0), (6, 9), (2, 3), 2, "residential", 0.50),
    BuildingType("slab_high", (60.0, 14.0), (11, 18), (2, 3), 2, "residential", 0.17),
    BuildingType("tower", (25.0, 25.0), (18, 33), (1, 1), 4, "residential", 0.18),
    BuildingType("shops", (40.0, 16.0), (2, 4), (1, 1), 0, "commercial", 0.07),
    BuildingType("mixed", (45.0, 16.0), (6, 12), (1, 2), 2, "mixed", 0.05),
    BuildingType("public", (50.0, 30.0), (3, 6), (1, 1), 0, "public", 0.03),
)

RURAL_TYPES = (
    BuildingType("house", (14.0, 10.0), (2, 3), (1, 1), 1, "residential", 0.62),
    BuildingType("slab", (60.0, 12.0), (6, 9), (2, 3), 2, "residential", 0.20),
    BuildingType("tower", (25.0, 25.0), (18, 33), (1, 1), 4, "residential", 0.04),
    BuildingType("shops", (30.0, 14.0), (2, 3), (1, 1), 0, "commercial", 0.07),
    BuildingType("workshop", (40.0, 20.0), (1, 2), (1, 1), 0, "industrial", 0.04),
    BuildingType("public", (40.0, 25.0), (2, 4), (1, 1), 0, "public", 0.03),
)

# 丹水池街道 (江岸区, 武汉市): a riverside street about 2.9 x 2.3 km, outline in metres.
DANSHUICHI_OUTLINE = (
    (-1450.0, -900.0), (-600.0, -1200.0), (700.0, -1150.0), (1450.0, -700.0), (1400.0, 300.0),
    (1000.0, 1150.0), (-200.0, 1200.0), (-1300.0, 900.0), (-1500.0, 0.0),
)

# 安康市: about 150 x 130 km around the city centre.
ANKANG_OUTLINE = (
    (-80000.0, -50000.0), (-20000.0, -68000.0), (45000.0, -62000.0), (78000.0, -20000.0),
    (72000.0, 40000.0), (30000.0, 64000.0), (-30000.0, 60000.0), (-75000.0, 30000.0),
)

PROFILES: dict[str, ProfileSpec] = {
    "demo": ProfileSpec(
        name="demo",
        centre=(114.318, 30.648),
        region_m=DANSHUICHI_OUTLINE,
        county_codes=("420102",),
        county_names=("江岸区",),
        city_name="武汉市",
        towns_per_county=(1, 1),
        villages_per_town=(8, 8),
        grids_per_village=(7, 8, 7, 7, 8, 7, 7, 7),
        sub_grids=(),
        buildings=1000,
        building_types=URBAN_TYPES,
        settlement_share=1.0,
        households=18000,
        elderly_alone=120,
        cameras=150,
        incidents=5000,
        hotspots=6,
        town_names=("丹水池街道",),
        village_names=("丹水池社区", "新村社区", "金桥社区", "建和社区", "堤角社区", "幸福社区", "江滩社区",
                       "后湖社区"),
    ),
    "city": ProfileSpec(
        name="city",
        centre=(109.0, 32.7),
        region_m=ANKANG_OUTLINE,
        county_codes=("610902", "610921", "610922", "610923", "610924", "610925", "610926", "610927",
                      "610929", "610981"),
        county_names=("汉滨区", "汉阴县", "石泉县", "宁陕县", "紫阳县", "岚皋县", "平利县", "镇坪县", "白河县",
                      "旬阳市"),
        city_name="安康市",
        towns_per_county=(13, 17),
        villages_per_town=(10, 14),
        grids_per_village=(3, 3, 4, 4, 4),
        sub_grids=(2, 2),
        buildings=200000,
        building_types=RURAL_TYPES,
        settlement_share=0.08,
        households=930000,
        elderly_alone=6200,
        cameras=20000,
        incidents=3000000,
        hotspots=450,
        first_town=1,
        first_village=201,
        assign_in_database=False,
        household_sizes=((1, 0.18), (2, 0.29), (3, 0.25), (4, 0.15), (5, 0.08), (6, 0.05)),
    ),
}


def get_profile(name: str) -> ProfileSpec:
    """The profile of that name; KeyError lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown profile {name!r}; known profiles: {', '.join(PROFILES)}") from None
