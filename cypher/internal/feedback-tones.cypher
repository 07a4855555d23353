// name: feedback-tones
// The embeddings ($model) of verbatims of one tone only, to place the complaint and praise centroids.
// params:
//   model: string                embedding model
//   max: int                     at most this many
// mode: read
// audience: internal

MATCH (e:Embedding {model: $model})-[:EMBEDS]->(x:Interaction)<-[:PERFORMED]-(c:Customer)
WHERE x.text IS NOT NULL AND NOT 'analytics' IN coalesce(c.refused, [])
WITH e, sum(CASE WHEN
  // include: verbatim-complaint(x=x)
  THEN 1 ELSE 0 END) AS complaints, sum(CASE WHEN
  // include: verbatim-praise(x=x)
  THEN 1 ELSE 0 END) AS praise
WHERE (complaints > 0 AND praise = 0) OR (praise > 0 AND complaints = 0)
RETURN e.vector AS vector, complaints > 0 AS complaint LIMIT $max
