"""Incidents (事件): aggregated clusters below z14, raw points with status, category and age from z14.

Below z14 a tile holds one feature per display cell (1/16 of the tile side) placed at the mean
position of its incidents, with the total ``count``, the ``open`` count (OPEN_STATUSES) and one
count per status. They are read from the incident bins (layers_incident_bin, kept by triggers),
never from the 3 million raw rows, so a county-wide tile costs one scan of a few hundred thousand
bins at most. Both kinds of feature are in the one MVT layer "incidents".
"""

from types import MappingProxyType

from layers.models.incidents import INCIDENT_BIN_ZOOM, OPEN_STATUSES, IncidentStatus
from tiles.sources import FeatureKind, TileSource

RAW_FROM_ZOOM = 14
CELL_BITS = 4  # a display cell is 1/2**4 of the tile side

CLUSTERS = FeatureKind(
    "cluster", minzoom=8, maxzoom=RAW_FROM_ZOOM - 1,
    fields={"count": "Number", "open": "Number", **{status.value: "Number" for status in IncidentStatus}},
    sql_file="incident_clusters.sql",
    description="事件聚合：每格（瓦片边长的1/16）一个点，位于事件的平均位置；count 总数，open 未办结数，另按状态计数",
    params=MappingProxyType({"bin_zoom": INCIDENT_BIN_ZOOM, "cell_bits": CELL_BITS,
                             "open_statuses": list(OPEN_STATUSES)}),
)
# Raw points: the feature id is the incident id; only open incidents carry their code (the unique
# code string of every closed one doubled the densest city tile, see tiles/sql/incidents.sql).
POINTS = FeatureKind(
    "point", minzoom=RAW_FROM_ZOOM, maxzoom=22,
    fields={"code": "String", "status": "String", "category": "String", "age_days": "Number"},
    sql_file="incidents.sql",
    description="事件点位（要素id即事件id；仅未办结事件带编号code）",
)

SOURCE = TileSource(
    name="incidents",
    kinds=(CLUSTERS, POINTS),
    version_tables=("layers_incident", "layers_grid"),  # the bins change only with layers_incident
    daily=True,  # age_days changes with the date
    description="事件：14级以下为聚合点，14级起为事件点位",
)
