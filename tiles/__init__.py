"""Mapbox Vector Tiles built in PostGIS: one source module per layer, one SQL file per kind of feature.

The SQL reads the stored EPSG:3857 copies of the geometries (``*_3857`` generated columns, see
layers/models/mercator.py); low-zoom incident tiles read the trigger-kept incident bins
(layers/sql/incident_bins.sql). bench/sql/ holds the reference SQL the benchmark compares against.
"""
