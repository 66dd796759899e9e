"""Administrative divisions (county, town, village boundaries)."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="divisions",
    minzoom=0,
    maxzoom=22,
    fields={"code": "String", "name": "String", "level": "String"},
    sql_file="divisions.sql",
    # Inserts and deletes only: an edited boundary or name keeps the version (see tiles.service).
    version_sql="SELECT count(*), max(id) FROM layers_division",
    description="行政区划边界",
)
