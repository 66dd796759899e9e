-- Buildings to partition, with their households and residents: those of one village (%(village)s, the
-- village's buildings by link), of one grid (%(grid)s), or of every village when both are NULL (the city
-- benchmark). One row per building: id, code, village id, footprint as WKB (EPSG:4326), households, residents.
-- The households are read once (hh) and counted twice: per building, and joined to their residents.
WITH b AS MATERIALIZED (
    SELECT id, code, village_id, footprint
      FROM layers_building
     WHERE (%(village)s::bigint IS NULL OR village_id = %(village)s::bigint)
       AND (%(grid)s::bigint IS NULL OR grid_id = %(grid)s::bigint)
       AND village_id IS NOT NULL
), hh AS MATERIALIZED (
    SELECT h.id, h.building_id FROM b JOIN layers_household AS h ON h.building_id = b.id
), households AS (
    SELECT building_id, count(*) AS n FROM hh GROUP BY building_id
), residents AS (
    SELECT hh.building_id, count(*) AS n FROM hh JOIN layers_resident AS r ON r.household_id = hh.id
     GROUP BY hh.building_id
)
SELECT b.id, b.code, b.village_id, ST_AsBinary(b.footprint),
       coalesce(households.n, 0)::int, coalesce(residents.n, 0)::int
  FROM b
  LEFT JOIN households ON households.building_id = b.id
  LEFT JOIN residents ON residents.building_id = b.id
 ORDER BY b.village_id, b.code
