-- Buildings layer: footprints for one tile z/x/y (the source's minzoom is 14).
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
-- Scoping goes through the building's grid, like BuildingQuerySet.for_user; with prefix ''
-- (admin) buildings without a grid are shown too. Residents never appear: only a household count.
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
mvtgeom AS (
  SELECT b.id,
         ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(b.footprint, 3857), %(simplify)s),
                      bounds.env, 4096, 64, true) AS geom,
         b.code, b.floors, b.height, b.use,
         (SELECT count(*) FROM layers_household h WHERE h.building_id = b.id)::int AS households,
         EXISTS (SELECT 1 FROM layers_sensor s
                 WHERE s.building_id = b.id AND s.kind = 'smoke') AS has_smoke
  FROM layers_building b
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = b.grid_id
  WHERE b.footprint && bounds.bbox                         -- GiST prefilter
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping
    AND (%(min_area)s = 0 OR ST_Area(ST_Transform(b.footprint, 3857)) >= %(min_area)s)
)
SELECT ST_AsMVT(mvtgeom, 'buildings', 4096, 'geom', 'id') FROM mvtgeom WHERE geom IS NOT NULL
