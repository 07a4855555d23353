// name: live-timelines-missing
// Whether the twin has interactions but no customer Timeline at all: a twin written before the Timelines existed
// (docs/ingest.md: `dtc verify --repair` builds them once).
// mode: read
// audience: internal

OPTIONAL MATCH (i:Interaction)
WITH i LIMIT 1
OPTIONAL MATCH (t:Timeline)
WITH i, t LIMIT 1
RETURN i IS NOT NULL AND t IS NULL AS missing
