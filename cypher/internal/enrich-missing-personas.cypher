// name: enrich-missing-personas
// Persona nodes with text (n.description) and no embedding of $model yet, in one window of ids.
// params:
//   model: string                embedding model
//   from: int                    the first internal node id of the window read (graph.paging)
//   to: int                      its end (not included)
// mode: read
// audience: internal

MATCH (n:Persona) WHERE id(n) >= $from AND id(n) < $to
  AND n.code IS NOT NULL AND n.description IS NOT NULL AND trim(n.description) <> ''
  AND NOT (n)<-[:EMBEDS]-(:Embedding {model: $model})
RETURN n.code AS key, n.description AS text
