// name: verify-timeline-orphans
// dtc verify: how many Timeline nodes no customer has (left behind by a delete that missed them).
// mode: read
// audience: internal

MATCH (t:Timeline)
OPTIONAL MATCH (c:Customer)-[:HAS_TIMELINE]->(t)
WITH t, c WHERE c IS NULL
RETURN count(t) AS n
