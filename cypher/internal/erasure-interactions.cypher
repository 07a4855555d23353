// name: erasure-interactions
// The ids of the interactions of these customers (linked or by customer_id).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer)-[:PERFORMED]->(n:Interaction) WHERE c.id IN $ids RETURN n.id AS id
UNION MATCH (n:Interaction) WHERE n.customer_id IN $ids RETURN n.id AS id
