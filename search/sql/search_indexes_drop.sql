-- Reverse of search_indexes.sql.
DROP INDEX IF EXISTS search_resident_name_pattern;
DROP INDEX IF EXISTS search_building_address_trgm;
DROP INDEX IF EXISTS search_building_name_trgm;
DROP INDEX IF EXISTS search_grid_name_trgm;
