// name: erase-identity-links
// Unlinks the shared identities that stay from these customers.
// params:
//   keys: list                   identity keys
//   ids: list                    the person's customer ids
// mode: write
// audience: internal

UNWIND $keys AS key MATCH (:Identity {key: key})-[r:IDENTIFIES]->(c:Customer) WHERE c.id IN $ids DELETE r
