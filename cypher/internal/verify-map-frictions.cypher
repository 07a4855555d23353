// name: verify-map-frictions
// dtc verify's scan: per (persona, stage, touchpoint, friction), the friction hits of the interactions the customers
// of $ids (not refusing analytics) made while they were the persona.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id IN $ids AND NOT 'analytics' IN coalesce(c.refused, [])
MATCH (c)-[s:SHOWS]->(p:Persona)
WITH c, p.code AS persona, collect(s) AS spans
MATCH (c)-[:PERFORMED]->(i:Interaction)
WHERE size(coalesce(i.frictions, [])) > 0
WITH persona, i, any(s IN spans WHERE
  // include: shows-persona-at(s=s, t=i.ts)
  ) AS asPersona
WHERE asPersona
UNWIND i.frictions AS friction
RETURN persona, i.stage AS stage, i.touchpoint AS touchpoint, friction, count(*) AS hits
