// name: ingest-identity-owners
// The customer each of these identities (Identity.key) identifies.
// params:
//   keys: list                   identity keys (kind:hash)
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (:Identity {key: k})-[:IDENTIFIES]->(c:Customer)
RETURN k AS key, c.id AS cid
