// name: personas-customers
// The customers with interactions (not merged into another) in one window of ids: who persona scoring scores.
// params:
//   from: int                    the first internal node id of the window read (graph.paging)
//   to: int                      its end (not included)
// mode: read
// audience: internal

MATCH (c:Customer) WHERE id(c) >= $from AND id(c) < $to AND c.merged_into IS NULL
  AND (c)-[:PERFORMED]->(:Interaction)
RETURN c.id AS id
