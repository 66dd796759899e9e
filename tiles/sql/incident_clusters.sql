-- Incidents layer below z14: one feature per display cell instead of raw points.
-- A display cell is 1/2^cell_bits of the tile side (16 x 16 cells per tile); its feature sits at the
-- mean position of its incidents and carries `count` (all), `open` (status in open_statuses) and one
-- count per status. Read from the incident bins (layers_incident_bin, EPSG:3857 tiles of zoom
-- bin_zoom, kept current by triggers; layers/sql/incident_bins.sql): a display cell at zoom z is the
-- 2^(bin_zoom - z - cell_bits) x as many bins, found by shifting the bin's column and row.
-- Every bin lies in exactly one tile per zoom, so the counts over all tiles of a zoom sum to the
-- incidents the user may see.
-- Parameters: z, x, y; prefix ('' = all; incidents without a grid only then, like the raw layer);
-- bin_zoom (INCIDENT_BIN_ZOOM), cell_bits, open_statuses (text[], OPEN_STATUSES); simplify and
-- min_area are bound but unused. Needs z <= bin_zoom - cell_bits.
WITH bins AS (
  SELECT b.cell_x >> (%(bin_zoom)s - %(z)s - %(cell_bits)s)::int AS cx,
         b.cell_y >> (%(bin_zoom)s - %(z)s - %(cell_bits)s)::int AS cy,
         b.status, b.count, b.sum_x, b.sum_y
  FROM layers_incident_bin b
  LEFT JOIN layers_grid g ON g.id = b.grid_id
  -- the tile's bins: columns x * 2^(bin_zoom - z) .. (x + 1) * 2^(bin_zoom - z) - 1, rows likewise
  WHERE b.cell_x BETWEEN %(x)s::int << (%(bin_zoom)s - %(z)s)::int
                     AND ((%(x)s::int + 1) << (%(bin_zoom)s - %(z)s)::int) - 1
    AND b.cell_y BETWEEN %(y)s::int << (%(bin_zoom)s - %(z)s)::int
                     AND ((%(y)s::int + 1) << (%(bin_zoom)s - %(z)s)::int) - 1
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping through the grid
),
cells AS (
  SELECT cx, cy,
         sum(count)::int AS count,
         coalesce(sum(count) FILTER (WHERE status = ANY (%(open_statuses)s)), 0)::int AS open,
         -- one count per IncidentStatus (layers/models/incidents.py), in its order
         coalesce(sum(count) FILTER (WHERE status = 'reported'), 0)::int AS reported,
         coalesce(sum(count) FILTER (WHERE status = 'accepted'), 0)::int AS accepted,
         coalesce(sum(count) FILTER (WHERE status = 'dispatched'), 0)::int AS dispatched,
         coalesce(sum(count) FILTER (WHERE status = 'in_progress'), 0)::int AS in_progress,
         coalesce(sum(count) FILTER (WHERE status = 'supervised'), 0)::int AS supervised,
         coalesce(sum(count) FILTER (WHERE status = 'resolved'), 0)::int AS resolved,
         coalesce(sum(count) FILTER (WHERE status = 'followed_up'), 0)::int AS followed_up,
         coalesce(sum(count) FILTER (WHERE status = 'archived'), 0)::int AS archived,
         coalesce(sum(count) FILTER (WHERE status = 'rejected'), 0)::int AS rejected,
         sum(sum_x) / sum(count) AS mean_x,
         sum(sum_y) / sum(count) AS mean_y
  FROM bins
  GROUP BY cx, cy
),
mvtgeom AS (
  -- id: the cell's index inside the tile (column * 2^cell_bits + row)
  SELECT ((cx - (%(x)s::int << %(cell_bits)s::int)) << %(cell_bits)s::int)
           + (cy - (%(y)s::int << %(cell_bits)s::int)) AS id,
         ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(mean_x, mean_y), 3857),
                      ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom,
         count, open, reported, accepted, dispatched, in_progress, supervised, resolved, followed_up,
         archived, rejected
  FROM cells
)
SELECT ST_AsMVT(mvtgeom, 'incidents', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
