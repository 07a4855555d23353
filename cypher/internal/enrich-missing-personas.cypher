// name: enrich-missing-personas
// Persona nodes with text (n.description) and no embedding of $model yet.
// params:
//   model: string                embedding model
//   limit: int                   at most this many
// mode: read
// audience: internal

MATCH (n:Persona) WHERE n.code IS NOT NULL AND n.description IS NOT NULL AND trim(n.description) <> ''
  AND NOT (n)<-[:EMBEDS]-(:Embedding {model: $model})
RETURN n.code AS key, n.description AS text LIMIT $limit
