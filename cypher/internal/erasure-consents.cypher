// name: erasure-consents
// The ids of the consent decisions of these customers (linked or by customer_id).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer)-[:GAVE]->(n:Consent) WHERE c.id IN $ids RETURN n.id AS id
UNION MATCH (n:Consent) WHERE n.customer_id IN $ids RETURN n.id AS id
