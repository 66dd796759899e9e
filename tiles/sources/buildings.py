"""Buildings (楼栋): footprints with floors, use, household and tier counts, and a smoke-detector flag.

Tier counts are households per Tier (layers/models/buildings.py): green 放心户, yellow 关心户, red 连心户.
Residents never appear in tiles.
"""

from tiles.sources import single_kind

SOURCE = single_kind(
    "buildings", minzoom=14, maxzoom=22,
    fields={"code": "String", "floors": "Number", "height": "Number", "use": "String",
            "households": "Number", "tier_green": "Number", "tier_yellow": "Number", "tier_red": "Number",
            "has_smoke": "Boolean"},
    description="楼栋基底",
    version_tables=("layers_building", "layers_household", "layers_sensor", "layers_grid"),
)
