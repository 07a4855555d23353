// name: erasure-customers
// These customers and the customers merged into them, with every property.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS cid MATCH (c:Customer) WHERE c.id = cid OR c.merged_into = cid RETURN properties(c) AS c
