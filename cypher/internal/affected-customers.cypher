// name: affected-customers
// Who is behind one frictionToCompetitors row: the persona's customers exposed to $friction (a hit while they showed
// the persona, in the period; firstHit = the earliest) and the competitor of their earliest switch in (firstHit,
// firstHit + $windowMs]; analytics refusers left out. Switchers first, then the latest first hits
// (graph/analytics/affected.py).
// params:
//   persona: string              persona code
//   friction: string             friction point code
//   windowMs: int                ms after the first hit in which a switch counts
//   since: int = null            epoch ms
//   until: int = null            epoch ms
//   limit: int                   at most this many
// mode: read
// audience: internal

MATCH (:Persona {code: $persona})<-[s:SHOWS]-(c:Customer)
WITH c, collect(s) AS spans
WHERE NOT 'analytics' IN coalesce(c.refused, [])
MATCH (c)-[:PERFORMED]->(i:Interaction)
WHERE $friction IN coalesce(i.frictions, [])
  AND ($since IS NULL OR i.ts >= $since) AND ($until IS NULL OR i.ts < $until)
// computed in WITH, not in WHERE: FalkorDB 4.16 drops rows for any() over an outer list inside MATCH … WHERE
WITH c, i, any(s IN spans WHERE
  // include: shows-persona-at(s=s, t=i.ts)
  ) AS asPersona
WHERE asPersona
WITH c, min(i.ts) AS firstHit
OPTIONAL MATCH (c)-[w:SWITCHED_TO]->(k:Competitor)
WHERE w.ts > firstHit AND w.ts <= firstHit + $windowMs AND ($until IS NULL OR w.ts < $until)
WITH c, firstHit, w, k ORDER BY w.ts
WITH c, firstHit, collect(k.code) AS competitors, collect(w.ts) AS switchTimes
RETURN c.id AS customer, firstHit, head(competitors) AS competitor, head(switchTimes) AS switchedAt
ORDER BY switchedAt IS NULL, firstHit DESC, customer
LIMIT $limit
