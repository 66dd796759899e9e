"""Administrative divisions (county, town, village boundaries)."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="divisions",
    minzoom=0,
    maxzoom=22,
    fields={"code": "String", "name": "String", "level": "String"},
    sql_file="divisions.sql",
    version_tables=("layers_division",),
    description="行政区划边界",
)
