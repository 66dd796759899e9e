"""Grids (网格) with their cached household figures."""

from tiles.sources import TileSource

SOURCE = TileSource(
    name="grids",
    minzoom=0,
    maxzoom=22,
    fields={"code": "String", "name": "String", "level": "Number", "kind": "String",
            "households": "Number", "residents": "Number",
            "tier_green": "Number", "tier_yellow": "Number", "tier_red": "Number"},
    sql_file="grids.sql",
    # updated_at catches ORM saves; refresh_figures() updates the figures in raw SQL without touching
    # updated_at, so the sums of the figures are part of the version too.
    version_sql=("SELECT max(updated_at), count(*), max(id), sum(households), sum(residents),"
                 " sum(tier_green), sum(tier_yellow), sum(tier_red) FROM layers_grid"),
    description="网格边界与户数统计",
)
