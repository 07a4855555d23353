// name: remaining-frictions
// Whether some FrictionPoint node has an internal id at or after $from: graph.paging reads FrictionPoint nodes in windows of ids.
// params:
//   from: int                    an internal node id
// mode: read
// audience: internal

MATCH (n:FrictionPoint) WHERE id(n) >= $from RETURN id(n) AS id LIMIT 1
