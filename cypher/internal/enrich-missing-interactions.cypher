// name: enrich-missing-interactions
// Interaction nodes with text (n.text) and no embedding of $model yet.
// params:
//   model: string                embedding model
//   limit: int                   at most this many
// mode: read
// audience: internal

MATCH (n:Interaction) WHERE n.id IS NOT NULL AND n.text IS NOT NULL AND trim(n.text) <> ''
  AND NOT (n)<-[:EMBEDS]-(:Embedding {model: $model})
RETURN n.id AS key, n.text AS text LIMIT $limit
