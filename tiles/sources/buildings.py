"""Buildings (楼栋): footprints with floors, use, household count and a smoke-detector flag."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="buildings",
    minzoom=14,
    maxzoom=22,
    fields={"code": "String", "floors": "Number", "height": "Number", "use": "String",
            "households": "Number", "has_smoke": "Boolean"},
    sql_file="buildings.sql",
    # A building's properties come from three tables; inserts/deletes in any of them change the version.
    version_sql=("SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) FROM layers_building),"
                 " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM layers_household),"
                 " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM layers_sensor WHERE kind = 'smoke')"),
    description="楼栋基底",
)
