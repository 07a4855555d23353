// name: verify-exposures
// dtc verify's scan: per customer of $ids, persona and friction it hit while it was the persona, the earliest such
// hit (in (ts, id) order) and the earliest switch in (first hit, first hit + 90 days] (null when none).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id IN $ids
OPTIONAL MATCH (c)-[:PERFORMED]->(w:Interaction)
WHERE w.type = 'switch'
WITH c, collect(CASE WHEN w IS NOT NULL THEN [w.ts, w.id, w.competitor] END) AS switches
MATCH (c)-[s:SHOWS]->(p:Persona)
WITH c, switches, p, collect(s) AS spans
MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH c, switches, p, i, any(s IN spans WHERE
  // include: shows-persona-at(s=s, t=i.ts)
  ) AS asPersona
WHERE asPersona AND size(coalesce(i.frictions, [])) > 0
UNWIND i.frictions AS friction
WITH c, switches, p.code AS persona, friction, collect(DISTINCT [i.ts, i.id]) AS hits
WITH c, switches, persona, friction,
     reduce(m = null, x IN hits | CASE WHEN m IS NULL OR x[0] < m[0] OR (x[0] = m[0] AND x[1] < m[1]) THEN x
                                       ELSE m END) AS first
RETURN c.id AS customer, persona, friction, first,
       reduce(m = null, x IN switches |
         CASE WHEN x[0] > first[0] AND x[0] <= first[0] + 90 * 86400000
                   AND (m IS NULL OR x[0] < m[0] OR (x[0] = m[0] AND x[1] < m[1])) THEN x ELSE m END) AS switch
