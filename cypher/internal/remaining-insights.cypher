// name: remaining-insights
// Whether some Insight node has an internal id at or after $from: graph.paging reads Insight nodes in windows of ids.
// params:
//   from: int                    an internal node id
// mode: read
// audience: internal

MATCH (n:Insight) WHERE id(n) >= $from RETURN id(n) AS id LIMIT 1
