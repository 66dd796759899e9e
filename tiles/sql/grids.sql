-- Grids layer: two MVT layers for one tile z/x/y: "grids" (the polygons) and, from z13, "grids_label"
-- (one label point per grid, so that a grid's name is drawn once however many tiles hold its pieces;
-- below z13 the labels are not drawn, and a city's z8 tile with them would be 0.75 MB).
-- Parameters (all bound by psycopg): z, x, y; prefix = the user's area code prefix ('' = all);
-- simplify = tolerance in metres (one pixel at this zoom below z14, else 0);
-- min_area = smallest footprint kept, in square metres (one pixel below z14, else 0).
-- Sub-grids appear by zoom (the layer starts at z8): a city has ~6,000 level-1, 12,000 level-2 and
-- 25,000 level-3 grids, and all of them in one z8 tile made 3.2 MB; level 1 only is < 0.5 MB.
-- Reads the stored Web-Mercator copy boundary_3857 (GiST-indexed): prefilter, area and geometry
-- need no ST_Transform. bench/sql/grids_transform_on_read.sql must give the same bytes.
WITH bounds AS (
  -- the tile, and the tile widened by the 64-unit buffer, both in web mercator
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096) AS bbox
),
shown AS (
  -- the grids this tile may hold: in the buffered tile, in the user's area, of a level shown at z
  SELECT g.id, g.boundary_3857 AS boundary, g.code, g.name, g.level, g.kind, g.households, g.residents,
         g.tier_green, g.tier_yellow, g.tier_red
  FROM layers_grid g, bounds
  WHERE g.boundary_3857 && bounds.bbox                     -- GiST prefilter
    AND g.code LIKE %(prefix)s || '%%'                     -- area scoping; '' matches every grid
    -- levels by zoom (tiles/sources/grids.py): level 1 below z10, levels 1-2 at z10, all from z11
    AND g.level <= CASE WHEN %(z)s < 10 THEN 1 WHEN %(z)s < 11 THEN 2 ELSE 3 END
    AND (%(min_area)s = 0 OR ST_Area(g.boundary_3857) >= %(min_area)s)
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
labelled AS (
  -- a point surely inside each grid (ST_PointOnSurface of the unsimplified boundary)
  SELECT s.id, ST_PointOnSurface(s.boundary) AS point, s.code, s.name, s.level
  FROM shown s
  WHERE %(z)s >= 13                                        -- labels from z13 (grids.py LABEL_MINZOOM)
),
labels AS (
  -- only in the one tile whose envelope holds the point: half-open [xmin, xmax) x (ymin, ymax], and
  -- neighbouring envelopes share their edge values, so every label is in exactly one tile per zoom
  SELECT l.id, ST_AsMVTGeom(l.point, bounds.env, 4096, 0, false) AS geom, l.code, l.name, l.level
  FROM labelled l, bounds
  WHERE ST_X(l.point) >= ST_XMin(bounds.env) AND ST_X(l.point) < ST_XMax(bounds.env)
    AND ST_Y(l.point) > ST_YMin(bounds.env) AND ST_Y(l.point) <= ST_YMax(bounds.env)
)
SELECT (SELECT ST_AsMVT(mvtgeom, 'grids', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL)
    || (SELECT ST_AsMVT(labels, 'grids_label', 4096, 'geom', 'id' ORDER BY id) FROM labels)
