// name: remaining-personas
// Whether some Persona node has an internal id at or after $from: graph.paging reads Persona nodes in windows of ids.
// params:
//   from: int                    an internal node id
// mode: read
// audience: internal

MATCH (n:Persona) WHERE id(n) >= $from RETURN id(n) AS id LIMIT 1
