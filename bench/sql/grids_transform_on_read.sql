-- Grids layer: one MVT layer "grids" for one tile z/x/y.
-- Parameters (all bound by psycopg): z, x, y; prefix = the user's area code prefix ('' = all);
-- simplify = tolerance in metres (one pixel at this zoom below z14, else 0);
-- min_area = smallest footprint kept, in square metres (one pixel below z14, else 0).
WITH bounds AS (
  -- the tile in web mercator, and the same tile widened by the 64-unit buffer, in lon/lat
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
mvtgeom AS (
  SELECT g.id,
         ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(g.boundary, 3857), %(simplify)s),
                      bounds.env, 4096, 64, true) AS geom,
         g.code, g.name, g.level, g.kind, g.households, g.residents,
         g.tier_green, g.tier_yellow, g.tier_red
  FROM layers_grid g, bounds
  WHERE g.boundary && bounds.bbox                          -- GiST prefilter
    AND g.code LIKE %(prefix)s || '%%'                     -- area scoping; '' matches every grid
    AND (%(min_area)s = 0 OR ST_Area(ST_Transform(g.boundary, 3857)) >= %(min_area)s)
)
SELECT ST_AsMVT(mvtgeom, 'grids', 4096, 'geom', 'id') FROM mvtgeom WHERE geom IS NOT NULL
