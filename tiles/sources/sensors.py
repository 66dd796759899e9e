"""IoT devices (物联设备) as points."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="sensors",
    minzoom=14,
    maxzoom=22,
    fields={"device_id": "String", "kind": "String", "status": "String"},
    sql_file="sensors.sql",
    version_tables=("layers_sensor", "layers_grid"),
    description="物联设备点位",
)
