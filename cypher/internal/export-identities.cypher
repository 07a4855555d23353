// name: export-identities
// The hashed identities of one customer (the right of access).
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (n:Identity)-[:IDENTIFIES]->(:Customer {id: $id}) RETURN n.kind AS kind, n.hash AS hash ORDER BY kind, hash
