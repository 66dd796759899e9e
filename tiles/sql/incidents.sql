-- Incidents layer, raw points for one tile z/x/y from z14 (below, incident_clusters.sql).
-- Parameters: z, x, y; prefix ('' = all). Points are never simplified; simplify and min_area
-- are bound but unused here.
-- age_days is whole calendar days since the report, in the session time zone (UTC under Django).
-- Bytes per point decide the size of the densest tiles: a hotspot of ~18,000 incidents within a few
-- hundred metres (city profile) lies in one tile at every zoom from 14 to 17. Only OPEN incidents
-- carry their (unique, 17-character) code; closed ones are found by the feature id (= incident id).
-- That, and no `source`, keeps the densest city tile at ~450 KB instead of 900 KB (limit 500 KB).
-- Scoping goes through the incident's grid; incidents without a grid only for prefix '' (admin).
-- Reads the stored Web-Mercator copy location_3857 (GiST-indexed).
-- bench/sql/incidents_transform_on_read.sql must give the same bytes; bench/sql/incidents_points.sql
-- is this query, for the benchmark's raw-point tiles at any zoom.
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
