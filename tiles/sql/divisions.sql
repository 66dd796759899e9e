-- Divisions layer: two MVT layers for one tile z/x/y: "divisions" (county, town and village
-- boundaries) and "divisions_label" (one label point per division, drawn once per zoom).
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
-- Scoping matches DivisionQuerySet.for_user: the divisions whose own code starts with the prefix
-- (a town operator sees the town and its villages, not the county; a grid worker's 15-digit
-- prefix matches no 12-digit division code, so he sees none).
-- Reads the stored Web-Mercator copy boundary_3857 (GiST-indexed): prefilter, area and geometry
-- need no ST_Transform. bench/sql/divisions_transform_on_read.sql must give the same bytes.
WITH bounds AS (
  -- the tile, and the tile widened by the 64-unit buffer, both in web mercator
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096) AS bbox
),
shown AS (
  -- the divisions this tile may hold: in the buffered tile, in the user's area, not sub-pixel
  SELECT d.id, d.boundary_3857 AS boundary, d.code, d.name, d.level
  FROM layers_division d, bounds
  WHERE d.boundary_3857 && bounds.bbox                     -- GiST prefilter
    AND d.code LIKE %(prefix)s || '%%'                     -- area scoping
    AND (%(min_area)s = 0 OR ST_Area(d.boundary_3857) >= %(min_area)s)
),
mvtgeom AS (
  SELECT s.id,
         ST_AsMVTGeom(CASE WHEN %(simplify)s > 0                -- no simplifying from z14
                           THEN ST_SimplifyPreserveTopology(s.boundary, %(simplify)s)
                           ELSE s.boundary END,
                      bounds.env, 4096, 64, true) AS geom,
         s.code, s.name, s.level
  FROM shown s, bounds
),
labelled AS (
  -- a point surely inside each division (ST_PointOnSurface of the unsimplified boundary)
  SELECT s.id, ST_PointOnSurface(s.boundary) AS point, s.code, s.name, s.level
  FROM shown s
),
labels AS (
  -- only in the one tile whose envelope holds the point: half-open [xmin, xmax) x (ymin, ymax], and
  -- neighbouring envelopes share their edge values, so every label is in exactly one tile per zoom
  SELECT l.id, ST_AsMVTGeom(l.point, bounds.env, 4096, 0, false) AS geom, l.code, l.name, l.level
  FROM labelled l, bounds
  WHERE ST_X(l.point) >= ST_XMin(bounds.env) AND ST_X(l.point) < ST_XMax(bounds.env)
    AND ST_Y(l.point) > ST_YMin(bounds.env) AND ST_Y(l.point) <= ST_YMax(bounds.env)
)
SELECT (SELECT ST_AsMVT(mvtgeom, 'divisions', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL)
    || (SELECT ST_AsMVT(labels, 'divisions_label', 4096, 'geom', 'id' ORDER BY id) FROM labels)
