-- Reference for the benchmark: raw incident points transforming every location on read (the
-- layer's SQL before the stored copy location_3857). Same parameters and the same bytes as
-- tiles/sql/incidents.sql (raw points, z >= 14).
-- Parameters: z, x, y; prefix ('' = all); simplify and min_area are bound but unused (points).
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
mvtgeom AS (
  SELECT i.id,
         ST_AsMVTGeom(ST_Transform(i.location, 3857), bounds.env, 4096, 64, true) AS geom,
         -- OPEN_STATUSES (layers/models/incidents.py; tests/test_tiles.py checks they agree)
         CASE WHEN i.status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'supervised')
              THEN i.code END AS code,  -- NULL: no property
         i.status, i.category,
         (current_date - i.reported_at::date)::int AS age_days
  FROM layers_incident i
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = i.grid_id
  WHERE i.location && bounds.bbox                          -- GiST prefilter (lon/lat)
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping through the grid
)
SELECT ST_AsMVT(mvtgeom, 'incidents', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
