// name: enrich-missing-insights
// Insight nodes with text (n.text) and no embedding of $model yet, in one window of ids.
// params:
//   model: string                embedding model
//   from: int                    the first internal node id of the window read (graph.paging)
//   to: int                      its end (not included)
// mode: read
// audience: internal

MATCH (n:Insight) WHERE id(n) >= $from AND id(n) < $to
  AND n.id IS NOT NULL AND n.text IS NOT NULL AND trim(n.text) <> ''
  AND NOT (n)<-[:EMBEDS]-(:Embedding {model: $model})
RETURN n.id AS key, n.text AS text
