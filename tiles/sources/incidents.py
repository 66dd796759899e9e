"""Incidents (事件) as points, with their status and age."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="incidents",
    minzoom=12,
    maxzoom=22,
    fields={"code": "String", "status": "String", "category": "String", "source": "String",
            "age_days": "Number"},
    sql_file="incidents.sql",
    # Status is the live part, so it is hashed in (one scan of the table); age_days changes daily,
    # so today's date is part of the version.
    version_sql=("SELECT count(*), max(id), sum(hashtext(id::text || status)), current_date"
                 " FROM layers_incident"),
    description="事件点位",
)
