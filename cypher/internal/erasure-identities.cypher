// name: erasure-identities
// The keys of the identities of these customers.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (n:Identity)-[:IDENTIFIES]->(c:Customer) WHERE c.id IN $ids RETURN DISTINCT n.key AS id
