"""Grids (网格) with their cached household figures."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="grids",
    minzoom=0,
    maxzoom=22,
    fields={"code": "String", "name": "String", "level": "Number", "kind": "String",
            "households": "Number", "residents": "Number",
            "tier_green": "Number", "tier_yellow": "Number", "tier_red": "Number"},
    sql_file="grids.sql",
    version_tables=("layers_grid",),
    description="网格边界与户数统计",
)
