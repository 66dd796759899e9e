-- Reference for the benchmark: raw incident points for one tile z/x/y at ANY zoom (the layer
-- serves them only from z14; below, pre-aggregated clusters from the bins, which must take
-- <= 0.05 x the time of this query for the same tile). Same query as tiles/sql/incidents.sql,
-- so at z >= 14 the bytes are the same.
-- Parameters: z, x, y; prefix ('' = all); simplify and min_area are bound but unused (points).
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096) AS bbox
),
mvtgeom AS (
  SELECT i.id,
         ST_AsMVTGeom(i.location_3857, bounds.env, 4096, 64, true) AS geom,
         -- OPEN_STATUSES (layers/models/incidents.py; tests/test_tiles.py checks they agree)
         CASE WHEN i.status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'supervised')
              THEN i.code END AS code,  -- NULL: no property
         i.status, i.category,
         (current_date - i.reported_at::date)::int AS age_days
  FROM layers_incident i
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = i.grid_id
  WHERE i.location_3857 && bounds.bbox                     -- GiST prefilter
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping through the grid
)
SELECT ST_AsMVT(mvtgeom, 'incidents', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
