-- One tile of an MBTiles file (SQLite). Parameters: zoom, column, row.
-- The row is in TMS order (0 = south); the reader flips the XYZ y before binding it.
SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?
