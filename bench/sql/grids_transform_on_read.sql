-- Reference for the benchmark: the grids tile transforming every boundary on read (the layer's SQL
-- before the stored copy boundary_3857). Same parameters and the same bytes as tiles/sql/grids.sql:
-- the "grids" polygons and the "grids_label" points (one per grid, in the tile holding it).
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
WITH bounds AS (
  -- the tile in web mercator, and the same tile widened by the 64-unit buffer, in lon/lat
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
shown AS (
  SELECT g.id, ST_Transform(g.boundary, 3857) AS boundary, g.code, g.name, g.level, g.kind,
         g.households, g.residents, g.tier_green, g.tier_yellow, g.tier_red
  FROM layers_grid g, bounds
  WHERE g.boundary && bounds.bbox                          -- GiST prefilter (lon/lat)
    AND g.code LIKE %(prefix)s || '%%'                     -- area scoping; '' matches every grid
    -- levels by zoom (tiles/sources/grids.py): level 1 below z10, levels 1-2 at z10, all from z11
    AND g.level <= CASE WHEN %(z)s < 10 THEN 1 WHEN %(z)s < 11 THEN 2 ELSE 3 END
    AND (%(min_area)s = 0 OR ST_Area(ST_Transform(g.boundary, 3857)) >= %(min_area)s)
),
mvtgeom AS (
  SELECT s.id,
         ST_AsMVTGeom(CASE WHEN %(simplify)s > 0                -- no simplifying from z14
                           THEN ST_SimplifyPreserveTopology(s.boundary, %(simplify)s)
                           ELSE s.boundary END,
                      bounds.env, 4096, 64, true) AS geom,
         s.code, s.name, s.level, s.kind, s.households, s.residents,
         s.tier_green, s.tier_yellow, s.tier_red
  FROM shown s, bounds
),
labels AS (
  SELECT s.id, ST_AsMVTGeom(p.point, bounds.env, 4096, 0, false) AS geom, s.code, s.name, s.level
  FROM shown s CROSS JOIN LATERAL (SELECT ST_PointOnSurface(s.boundary) AS point) p, bounds
  WHERE %(z)s >= 13                                        -- labels from z13 (grids.py LABEL_MINZOOM)
    AND ST_X(p.point) >= ST_XMin(bounds.env) AND ST_X(p.point) < ST_XMax(bounds.env)
    AND ST_Y(p.point) > ST_YMin(bounds.env) AND ST_Y(p.point) <= ST_YMax(bounds.env)
)
SELECT (SELECT ST_AsMVT(mvtgeom, 'grids', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL)
    || (SELECT ST_AsMVT(labels, 'grids_label', 4096, 'geom', 'id' ORDER BY id) FROM labels)
