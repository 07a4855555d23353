"""The twin's graph: ontology, store port and adapters, analytics. Imports nothing from `api` or `ingest`."""
