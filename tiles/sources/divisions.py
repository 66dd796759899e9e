"""Administrative divisions (county, town, village boundaries)."""

from tiles.sources import single_kind

SOURCE = single_kind(
    "divisions", minzoom=0, maxzoom=22,
    fields={"code": "String", "name": "String", "level": "String"},
    description="行政区划边界",
    version_tables=("layers_division",),
)
