"""Importers: one import core (open → check the layer → read → map → validate → write atomically),
with a format table and a kind table; the CLI (`import_layer`) and the upload page are two front doors."""
