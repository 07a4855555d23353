// name: frictions-of-customers
// The distinct friction codes each customer's interactions hit, in code order.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (:Customer {id: id})-[:PERFORMED]->(:Interaction)-[:HIT]->(f:FrictionPoint)
WITH DISTINCT id, f.code AS code
RETURN id, code ORDER BY id, code
