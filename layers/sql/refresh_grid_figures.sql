-- Recount the cached figures of the grids whose ids are in %(grid_ids)s, in one statement.
-- A grid counts the households and residents of buildings in itself and in its sub-grids: itself,
-- its children and its grandchildren (grids have three levels), found through parent_id and its
-- index. (A join on `code LIKE target || '%%'` cannot use an index as a join condition: with every
-- grid of a city as a target it compared 43,407 × 43,407 codes, minutes instead of a second.)
-- Households and residents are aggregated once per building grid (GROUP BY), then rolled up, rather
-- than counted by a correlated subquery per grid (~80 ms a grid: an hour for a city's 45,000).
-- Raw SQL because the roll-up joins each grid to its descendants and aggregates twice, which the
-- ORM cannot express in one statement.
WITH targets AS (
  SELECT id, code FROM layers_grid WHERE id = ANY(%(grid_ids)s)
),
covered AS (  -- each target with every grid at or below it
  SELECT t.id AS target_id, t.id AS grid_id FROM targets t
  UNION ALL
  SELECT t.id, c.id FROM targets t JOIN layers_grid c ON c.parent_id = t.id
  UNION ALL
  SELECT t.id, gc.id
  FROM targets t JOIN layers_grid c ON c.parent_id = t.id JOIN layers_grid gc ON gc.parent_id = c.id
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
