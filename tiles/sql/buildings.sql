-- Buildings layer: footprints for one tile z/x/y (the source's minzoom is 14).
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
-- Scoping goes through the building's grid, like BuildingQuerySet.for_user; with prefix ''
-- (admin) buildings without a grid are shown too. Residents never appear: only household counts,
-- in total and per tier (Tier in layers/models/buildings.py), counted in ONE grouped pass over the
-- households of the tile's buildings (not a correlated count per building and tier).
-- Reads the stored Web-Mercator copy footprint_3857 (GiST-indexed): prefilter, area and geometry
-- need no ST_Transform. bench/sql/buildings_transform_on_read.sql must give the same bytes.
WITH bounds AS (
  -- the tile, and the tile widened by the 64-unit buffer, both in web mercator
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096) AS bbox
),
tile_buildings AS (
  SELECT b.id, b.footprint_3857 AS footprint, b.code, b.floors, b.height, b.use
  FROM layers_building b
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = b.grid_id
  WHERE b.footprint_3857 && bounds.bbox                    -- GiST prefilter
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping
    AND (%(min_area)s = 0 OR ST_Area(b.footprint_3857) >= %(min_area)s)
),
tiers AS (
  SELECT h.building_id,
         count(*)::int AS households,
         (count(*) FILTER (WHERE h.tier = 'green'))::int AS tier_green,
         (count(*) FILTER (WHERE h.tier = 'yellow'))::int AS tier_yellow,
         (count(*) FILTER (WHERE h.tier = 'red'))::int AS tier_red
  FROM layers_household h
  WHERE h.building_id IN (SELECT id FROM tile_buildings)
  GROUP BY h.building_id
),
mvtgeom AS (
  SELECT t.id,
         ST_AsMVTGeom(CASE WHEN %(simplify)s > 0                -- no simplifying from z14
                           THEN ST_SimplifyPreserveTopology(t.footprint, %(simplify)s)
                           ELSE t.footprint END,
                      bounds.env, 4096, 64, true) AS geom,
         t.code, t.floors, t.height, t.use,
         coalesce(c.households, 0) AS households,
         coalesce(c.tier_green, 0) AS tier_green,
         coalesce(c.tier_yellow, 0) AS tier_yellow,
         coalesce(c.tier_red, 0) AS tier_red,
         EXISTS (SELECT 1 FROM layers_sensor s
                 WHERE s.building_id = t.id AND s.kind = 'smoke') AS has_smoke
  FROM tile_buildings t
  CROSS JOIN bounds
  LEFT JOIN tiers c ON c.building_id = t.id
)
SELECT ST_AsMVT(mvtgeom, 'buildings', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
