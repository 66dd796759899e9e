"""IoT devices (物联设备) as points: smoke, gas and door sensors, and cameras (kind "camera")."""

from tiles.sources import single_kind

SOURCE = single_kind(
    "sensors", minzoom=14, maxzoom=22,
    fields={"device_id": "String", "kind": "String", "status": "String"},
    description="物联设备点位",
    version_tables=("layers_sensor", "layers_grid"),
)
