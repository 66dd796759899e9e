-- Recount the cached figures of the grids whose ids are in %(grid_ids)s, in one statement.
-- A grid counts the households and residents of buildings in itself and in its sub-grids; a
-- sub-grid's code starts with its parent's code, so "itself and below" is `code LIKE parent || '%%'`
-- (served by the varchar_pattern_ops index Django creates on layers_grid.code).
-- Households and residents are aggregated once per building grid (GROUP BY), then rolled up, rather
-- than counted by a correlated subquery per grid (~80 ms a grid: an hour for a city's 45,000).
-- Raw SQL because the roll-up joins grids to their descendants by code prefix, which the ORM
-- cannot express as a join.
WITH targets AS (
  SELECT id, code FROM layers_grid WHERE id = ANY(%(grid_ids)s)
),
covered AS (  -- each target with every grid at or below it
  SELECT t.id AS target_id, g.id AS grid_id
  FROM targets t JOIN layers_grid g ON g.code LIKE t.code || '%%'
),
households AS (
  SELECT b.grid_id,
         count(*) AS households,
         count(*) FILTER (WHERE h.tier = 'green') AS tier_green,
         count(*) FILTER (WHERE h.tier = 'yellow') AS tier_yellow,
         count(*) FILTER (WHERE h.tier = 'red') AS tier_red
  FROM layers_household h JOIN layers_building b ON b.id = h.building_id
  WHERE b.grid_id IN (SELECT grid_id FROM covered)
  GROUP BY b.grid_id
),
residents AS (
  SELECT b.grid_id, count(*) AS residents
  FROM layers_resident r
  JOIN layers_household h ON h.id = r.household_id
  JOIN layers_building b ON b.id = h.building_id
  WHERE b.grid_id IN (SELECT grid_id FROM covered)
  GROUP BY b.grid_id
),
rolled AS (
  SELECT c.target_id,
         coalesce(sum(hh.households), 0) AS households,
         coalesce(sum(hh.tier_green), 0) AS tier_green,
         coalesce(sum(hh.tier_yellow), 0) AS tier_yellow,
         coalesce(sum(hh.tier_red), 0) AS tier_red,
         coalesce(sum(rs.residents), 0) AS residents
  FROM covered c
  LEFT JOIN households hh ON hh.grid_id = c.grid_id
  LEFT JOIN residents rs ON rs.grid_id = c.grid_id
  GROUP BY c.target_id
)
UPDATE layers_grid g
SET households = r.households, tier_green = r.tier_green, tier_yellow = r.tier_yellow,
    tier_red = r.tier_red, residents = r.residents
FROM rolled r
WHERE g.id = r.target_id
