"""Buildings (楼栋): footprints with floors, use, household count and a smoke-detector flag."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="buildings",
    minzoom=14,
    maxzoom=22,
    fields={"code": "String", "floors": "Number", "height": "Number", "use": "String",
            "households": "Number", "has_smoke": "Boolean"},
    sql_file="buildings.sql",
    version_tables=("layers_building", "layers_household", "layers_sensor", "layers_grid"),
    description="楼栋基底",
)
