"""Grids (网格) with their cached household figures, coarser levels first.

Which levels a tile holds depends on its zoom (the SQL spells the table out, so that the
benchmark's reference SQL takes the same parameters): level-1 grids from z8, level 2 from z10,
level 3 from z11. On the city profile all ~43,000 grids in one z8 tile made 3.2 MB (the limit is
500 KB); level 1 alone is 0.46 MB at z8, levels 1-2 0.23 MB at z10, all levels 0.22 MB at z11.
From z13 the same tiles carry ``grids_label``: one label point per grid, in the one tile that holds it.
"""

from tiles.sources import ExtraLayer, single_kind

# (first zoom, deepest grid level shown from that zoom): mirrored in tiles/sql/grids.sql
LEVELS_BY_ZOOM = ((8, 1), (10, 2), (11, 3))
# grids_label from this zoom (mirrored in tiles/sql/grids.sql; the map draws grid labels from z13):
# the label points add 60-70 % to a tile (unique code and name strings), and a city's z8 tile with
# its ~6,000 level-1 labels would be 0.75 MB
LABEL_MINZOOM = 13

SOURCE = single_kind(
    "grids", minzoom=LEVELS_BY_ZOOM[0][0], maxzoom=22,
    fields={"code": "String", "name": "String", "level": "Number", "kind": "String",
            "households": "Number", "residents": "Number",
            "tier_green": "Number", "tier_yellow": "Number", "tier_red": "Number"},
    description="网格边界与户数统计（8级起一级网格，10级起二级，11级起三级）",
    version_tables=("layers_grid",),
    # one point per grid (ST_PointOnSurface), only in the tile holding it: one label per grid and zoom
    extra_layers=(ExtraLayer("grids_label", {"code": "String", "name": "String", "level": "Number"},
                             "网格标注点（13级起，每个网格每级缩放一个）", minzoom=LABEL_MINZOOM),),
)
