"""Mapbox Vector Tiles built in PostGIS: one source module and one SQL file per layer."""
