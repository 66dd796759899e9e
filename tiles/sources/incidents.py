"""Incidents (事件) as points, with their status and age."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="incidents",
    minzoom=12,
    maxzoom=22,
    fields={"code": "String", "status": "String", "category": "String", "source": "String",
            "age_days": "Number"},
    sql_file="incidents.sql",
    version_tables=("layers_incident", "layers_grid"),
    daily=True,  # age_days changes with the date
    description="事件点位",
)
