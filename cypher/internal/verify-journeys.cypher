// name: verify-journeys
// dtc verify's scan: every journey of the customers of $ids, with its customer, whether the customer counts in paths
// (not merged, not refusing analytics), the personas the customer is at the journey's start_ts, its interactions as
// [seq, touchpoint, ts, id, stage] (any order) and its stored stage.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer)-[:TOOK]->(j:Journey)
WHERE c.id IN $ids
OPTIONAL MATCH (c)-[s:SHOWS]->(p:Persona)
WITH c, j, collect(CASE WHEN s IS NOT NULL AND
  // include: shows-persona-at(s=s, t=j.start_ts)
  THEN p.code END) AS personas
MATCH (j)-[inc:INCLUDES]->(x:Interaction)
RETURN c.id AS customer, c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, []) AS counted,
       j.id AS journey, personas, j.stage AS stage,
       collect([inc.seq, x.touchpoint, x.ts, x.id, x.stage]) AS steps
