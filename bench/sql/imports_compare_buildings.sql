-- Correctness gate of the imports suite: two tables of buildings compared by code (the import key).
-- {ours} and {reference} are table identifiers (psycopg sql.Identifier); both have the buildings
-- kind's columns and a footprint. Returns one row: both counts, codes missing from ours, codes only
-- in ours, pairs whose attributes differ, pairs whose footprints are not ST_Equals (same point set)
-- pairs whose footprints are not ST_OrderingEquals (same vertices in the same order) and pairs whose
-- footprints are further apart than the tolerance parameter (degrees, Hausdorff distance: LayerMapping
-- writes geometries through 15-significant-digit WKT, which moves vertices by up to ~5e-13 degrees).
SELECT
  (SELECT count(*) FROM {ours}) AS ours,
  (SELECT count(*) FROM {reference}) AS reference,
  count(*) FILTER (WHERE o.code IS NULL) AS missing,
  count(*) FILTER (WHERE r.code IS NULL) AS extra,
  count(*) FILTER (WHERE o.code IS NOT NULL AND r.code IS NOT NULL
                     AND (o.address::text, o.name::text, o.floors::integer, o.height::float8, o.use::text,
                          o.year_built::integer)
                         IS DISTINCT FROM (r.address::text, r.name::text, r.floors::integer, r.height::float8,
                                           r.use::text, r.year_built::integer)) AS attributes_differ,
  count(*) FILTER (WHERE o.code IS NOT NULL AND r.code IS NOT NULL
                     AND NOT ST_Equals(o.footprint, r.footprint)) AS geometry_differs,
  count(*) FILTER (WHERE o.code IS NOT NULL AND r.code IS NOT NULL
                     AND NOT ST_OrderingEquals(o.footprint, r.footprint)) AS ordering_differs,
  count(*) FILTER (WHERE o.code IS NOT NULL AND r.code IS NOT NULL
                     AND ST_HausdorffDistance(o.footprint, r.footprint) > %(tolerance)s) AS beyond_tolerance
FROM {ours} o FULL JOIN {reference} r ON r.code = o.code
