-- Facts about the database the benchmark ran on: server and PostGIS versions, database and size.
SELECT current_setting('server_version') AS postgres,
       postgis_lib_version() AS postgis,
       current_database() AS database,
       pg_database_size(current_database()) AS database_bytes
