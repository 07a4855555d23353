// name: erasure-journeys
// The ids of the journeys of these customers (linked or by customer_id).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer)-[:TOOK]->(n:Journey) WHERE c.id IN $ids RETURN n.id AS id
UNION MATCH (n:Journey) WHERE n.customer_id IN $ids RETURN n.id AS id
