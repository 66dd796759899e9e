-- Grids from the staging table into layers_grid, keyed by code, level by level (1, then 2, then 3),
-- so each statement finds the parent grid the statement before may just have written; the village
-- is code[:12], the parent code[:-2] (grids_checks.sql has refused rows where either is missing).
-- Existing codes are updated only where the name, kind (when the file has it) or boundary differs
-- (boundaries compare with the stored rings oriented counter-clockwise, as imported ones are),
-- bumping revision and updated_at; re-importing the same file writes nothing. The trigger
-- geogov_grid_check still guards every row written. Cached figures start at 0 (grids_link.sql recounts).
-- Each statement returns one row per grid written: id, code, and whether it was inserted.
INSERT INTO layers_grid AS g (code, name, level, kind, division_id, parent_id, boundary, households, residents,
                           tier_green, tier_yellow, tier_red, revision, updated_at)
SELECT s.code, s.name, 1, coalesce(s.kind, 'comprehensive'), d.id, NULL::bigint, s.geom, 0, 0, 0, 0, 0, 1, now()
FROM import_rows s JOIN layers_division d ON d.code = left(s.code, 12)
WHERE length(s.code) = 15
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET
  name = EXCLUDED.name,
  kind = CASE WHEN %(has_kind)s THEN EXCLUDED.kind ELSE g.kind END,
  boundary = EXCLUDED.boundary,
  revision = g.revision + 1,
  updated_at = now()
WHERE g.name IS DISTINCT FROM EXCLUDED.name
   OR ST_ForcePolygonCCW(g.boundary) IS DISTINCT FROM EXCLUDED.boundary
   OR (%(has_kind)s AND g.kind IS DISTINCT FROM EXCLUDED.kind)
RETURNING g.id, g.code, (xmax = 0) AS inserted;

INSERT INTO layers_grid AS g (code, name, level, kind, division_id, parent_id, boundary, households, residents,
                           tier_green, tier_yellow, tier_red, revision, updated_at)
SELECT s.code, s.name, 2, coalesce(s.kind, 'comprehensive'), d.id, p.id, s.geom, 0, 0, 0, 0, 0, 1, now()
FROM import_rows s JOIN layers_division d ON d.code = left(s.code, 12)
JOIN layers_grid p ON p.code = left(s.code, length(s.code) - 2)
WHERE length(s.code) = 17
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET
  name = EXCLUDED.name,
  kind = CASE WHEN %(has_kind)s THEN EXCLUDED.kind ELSE g.kind END,
  boundary = EXCLUDED.boundary,
  revision = g.revision + 1,
  updated_at = now()
WHERE g.name IS DISTINCT FROM EXCLUDED.name
   OR ST_ForcePolygonCCW(g.boundary) IS DISTINCT FROM EXCLUDED.boundary
   OR (%(has_kind)s AND g.kind IS DISTINCT FROM EXCLUDED.kind)
RETURNING g.id, g.code, (xmax = 0) AS inserted;

INSERT INTO layers_grid AS g (code, name, level, kind, division_id, parent_id, boundary, households, residents,
                           tier_green, tier_yellow, tier_red, revision, updated_at)
SELECT s.code, s.name, 3, coalesce(s.kind, 'comprehensive'), d.id, p.id, s.geom, 0, 0, 0, 0, 0, 1, now()
FROM import_rows s JOIN layers_division d ON d.code = left(s.code, 12)
JOIN layers_grid p ON p.code = left(s.code, length(s.code) - 2)
WHERE length(s.code) = 19
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET
  name = EXCLUDED.name,
  kind = CASE WHEN %(has_kind)s THEN EXCLUDED.kind ELSE g.kind END,
  boundary = EXCLUDED.boundary,
  revision = g.revision + 1,
  updated_at = now()
WHERE g.name IS DISTINCT FROM EXCLUDED.name
   OR ST_ForcePolygonCCW(g.boundary) IS DISTINCT FROM EXCLUDED.boundary
   OR (%(has_kind)s AND g.kind IS DISTINCT FROM EXCLUDED.kind)
RETURNING g.id, g.code, (xmax = 0) AS inserted
