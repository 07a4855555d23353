// name: enrich-missing-frictions
// FrictionPoint nodes with text (coalesce(n.description, n.name)) and no embedding of $model yet.
// params:
//   model: string                embedding model
//   limit: int                   at most this many
// mode: read
// audience: internal

MATCH (n:FrictionPoint) WHERE n.code IS NOT NULL AND coalesce(n.description, n.name) IS NOT NULL AND trim(coalesce(n.description, n.name)) <> ''
  AND NOT (n)<-[:EMBEDS]-(:Embedding {model: $model})
RETURN n.code AS key, coalesce(n.description, n.name) AS text LIMIT $limit
