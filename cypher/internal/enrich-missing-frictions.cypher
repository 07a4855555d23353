// name: enrich-missing-frictions
// FrictionPoint nodes with text (coalesce(n.description, n.name)) and no embedding of $model yet, in one window of ids.
// params:
//   model: string                embedding model
//   from: int                    the first internal node id of the window read (graph.paging)
//   to: int                      its end (not included)
// mode: read
// audience: internal

MATCH (n:FrictionPoint) WHERE id(n) >= $from AND id(n) < $to
  AND n.code IS NOT NULL AND coalesce(n.description, n.name) IS NOT NULL AND trim(coalesce(n.description, n.name)) <> ''
  AND NOT (n)<-[:EMBEDS]-(:Embedding {model: $model})
RETURN n.code AS key, coalesce(n.description, n.name) AS text
