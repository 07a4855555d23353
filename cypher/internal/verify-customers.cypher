// name: verify-customers
// dtc verify's scan: per customer of $ids, whether it refuses analytics, its interactions and switch events, and its
// latest interaction with a trigger ([ts, id, trigger, experience], in (ts, id) order; null when none).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id IN $ids
OPTIONAL MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH c, count(i) AS interactions, sum(CASE WHEN i.type = 'switch' THEN 1 ELSE 0 END) AS switches,
     collect(CASE WHEN i.trigger IS NOT NULL THEN [i.ts, i.id, i.trigger, i.experience] END) AS triggered
RETURN c.id AS customer, 'analytics' IN coalesce(c.refused, []) AS refused, c.merged_into IS NOT NULL AS merged,
       interactions, switches,
       reduce(m = null, x IN triggered | CASE WHEN m IS NULL OR x[0] > m[0] OR (x[0] = m[0] AND x[1] > m[1]) THEN x
                                              ELSE m END) AS latestTrigger
