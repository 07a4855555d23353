// name: erase-identities
// Deletes the identities that identify only these customers; how many.
// params:
//   keys: list                   identity keys
//   ids: list                    the person's customer ids
// mode: write
// audience: internal

UNWIND $keys AS key MATCH (n:Identity {key: key})
OPTIONAL MATCH (n)-[:IDENTIFIES]->(o:Customer) WHERE NOT o.id IN $ids
WITH n, count(o) AS others WHERE others = 0 DETACH DELETE n RETURN count(*) AS n
