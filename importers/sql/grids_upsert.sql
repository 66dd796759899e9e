-- Grids from the staging table into layers_grid, keyed by code, level by level: this statement runs
-- once per level (the level parameter: 1, then 2, then 3; see Kind.passes), so each run finds the
-- parent grid the run before may just have written. A level-N code has 13 + 2N digits; the village
-- is code[:12], the parent code[:-2] (grids_checks.sql has refused rows where either is missing).
-- Existing codes are updated only where the name, kind (when the file has it) or boundary differs
-- (boundaries compare with the stored rings oriented counter-clockwise, as imported ones are),
-- bumping revision and updated_at; re-importing the same file writes nothing. The trigger
-- geogov_grid_check still guards every row written. Cached figures start at 0 (grids_link.sql recounts).
-- Each run returns one row per grid written: id, code, and whether it was inserted.
INSERT INTO layers_grid AS g (code, name, level, kind, division_id, parent_id, boundary, households, residents,
                           tier_green, tier_yellow, tier_red, revision, updated_at)
SELECT s.code, s.name, %(level)s, coalesce(s.kind, 'comprehensive'), d.id, p.id, s.geom, 0, 0, 0, 0, 0, 1, now()
FROM import_rows s JOIN layers_division d ON d.code = left(s.code, 12)
LEFT JOIN layers_grid p ON %(level)s > 1 AND p.code = left(s.code, length(s.code) - 2)
WHERE length(s.code) = 13 + 2 * %(level)s
  AND (%(level)s = 1 OR p.id IS NOT NULL)
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
