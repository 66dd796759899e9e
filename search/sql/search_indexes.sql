-- Indexes for the map's search box (search/service.py, matching table in search/rules.py).
-- They live on the layers tables but belong to the search app: its migration creates them and
-- its reverse drops them (search_indexes_drop.sql).
--
-- The databases use the C.UTF-8 collation, which PostgreSQL 15 does not treat as "C", so a plain
-- btree cannot serve LIKE 'prefix%'; the *_pattern_ops operator class can, and also serves "=".
-- Division, grid and building codes already have such indexes (Django's "_like" indexes).

-- Residents by name: exact, then prefix (name = '张三', name LIKE '张三%'). 2.6M rows at city scale.
CREATE INDEX IF NOT EXISTS search_resident_name_pattern
    ON layers_resident (name varchar_pattern_ops);

-- Substring matches (LIKE '%兴山社区3栋%') through trigrams (pg_trgm, created by the migration).
-- CJK characters count as word characters under C.UTF-8, so Chinese addresses get trigrams too;
-- a fragment needs at least three characters before the index can narrow anything down.
CREATE INDEX IF NOT EXISTS search_building_address_trgm
    ON layers_building USING gin (address gin_trgm_ops);
CREATE INDEX IF NOT EXISTS search_building_name_trgm
    ON layers_building USING gin (name gin_trgm_ops);
-- Grid names: exact, prefix and substring matches (pg_trgm >= 1.6 also answers "=" from the index).
CREATE INDEX IF NOT EXISTS search_grid_name_trgm
    ON layers_grid USING gin (name gin_trgm_ops);
