"""Administrative divisions (county, town, village boundaries) and their label points (``divisions_label``)."""

from tiles.sources import ExtraLayer, single_kind

SOURCE = single_kind(
    "divisions", minzoom=0, maxzoom=22,
    fields={"code": "String", "name": "String", "level": "String"},
    description="行政区划边界",
    version_tables=("layers_division",),
    # one point per division (ST_PointOnSurface), only in the tile holding it: one label per zoom
    extra_layers=(ExtraLayer("divisions_label", {"code": "String", "name": "String", "level": "String"},
                             "行政区划标注点（每个区划每级缩放一个）"),),
)
