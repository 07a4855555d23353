// name: remaining-customers
// Whether some Customer node has an internal id at or after $from: graph.paging reads Customer nodes in windows of ids.
// params:
//   from: int                    an internal node id
// mode: read
// audience: internal

MATCH (n:Customer) WHERE id(n) >= $from RETURN id(n) AS id LIMIT 1
