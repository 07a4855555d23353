// name: verify-active
// dtc verify's scan (shares nothing with the fold): per customer of $ids and persona, the earliest interaction (in
// (ts, id) order) made while the customer was the persona; whether the customer refuses analytics and ever switched.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id IN $ids
MATCH (c)-[s:SHOWS]->(p:Persona)
WITH c, p, collect(s) AS spans
MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH c, p, i, any(s IN spans WHERE
  // include: shows-persona-at(s=s, t=i.ts)
  ) AS asPersona
WHERE asPersona
WITH c, p, collect([i.ts, i.id]) AS moments
RETURN c.id AS customer, p.code AS persona,
       reduce(m = null, x IN moments | CASE WHEN m IS NULL OR x[0] < m[0] OR (x[0] = m[0] AND x[1] < m[1]) THEN x
                                             ELSE m END) AS first
