// name: feedback-uncoded-complaints
// Complaints without a friction code since $since, from texts that were never praise, of customers who did not refuse
// analytics, newest first (friction discovery).
// params:
//   model: string                embedding model
//   since: int = null            epoch ms
//   max: int                     at most this many
// mode: read
// audience: internal

MATCH (e:Embedding {model: $model})-[:EMBEDS]->(x:Interaction) WHERE x.text IS NOT NULL
WITH e, collect(x) AS said
WITH e, said, coalesce(any(x IN said WHERE
  // include: verbatim-praise(x=x)
  ), false) AS praised
WHERE NOT praised
UNWIND said AS x
WITH e, x WHERE x.frictions IS NULL AND NOT (x)-[:HIT]->() AND ($since IS NULL OR x.ts >= $since) AND
  // include: verbatim-complaint(x=x)
MATCH (c:Customer)-[:PERFORMED]->(x) WHERE NOT 'analytics' IN coalesce(c.refused, [])
RETURN e.hash AS hash, e.vector AS vector, x.id AS id, x.text AS text, x.touchpoint AS touchpoint
ORDER BY x.ts DESC LIMIT $max
