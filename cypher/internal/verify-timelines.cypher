// name: verify-timelines
// dtc verify's scan: per customer of $ids, its interactions as [ts, id, touchpoint, type, stage, channel, outcome,
// frictions] (any order) and the properties of its stored Timeline (null when it has none); a customer with neither
// is left out.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id IN $ids
OPTIONAL MATCH (c)-[:PERFORMED]->(x:Interaction)
WITH c, collect(CASE WHEN x IS NOT NULL
                     THEN [x.ts, x.id, x.touchpoint, x.type, x.stage, x.channel, x.outcome, coalesce(x.frictions, [])]
                END) AS events
OPTIONAL MATCH (c)-[:HAS_TIMELINE]->(t:Timeline)
WITH c, events, collect(properties(t)) AS timelines
WHERE size(events) > 0 OR size(timelines) > 0
RETURN c.id AS customer, events, timelines
