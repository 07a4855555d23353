// name: remaining-interactions
// Whether some Interaction node has an internal id at or after $from: graph.paging reads Interaction nodes in windows of ids.
// params:
//   from: int                    an internal node id
// mode: read
// audience: internal

MATCH (n:Interaction) WHERE id(n) >= $from RETURN id(n) AS id LIMIT 1
