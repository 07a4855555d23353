"""The `dtc` command line: the composition root that ties graph, ingest and api together for a terminal."""
