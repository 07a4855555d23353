// name: erase-customers
// Deletes these customers with their relationships and their live-state Timeline; how many.
// params:
//   values: list                 Customer.id values
// mode: write
// audience: internal

// one Timeline made and dropped first: see the fragment live-state-write on FalkorDB's deletes
CREATE (guard:Timeline)
DELETE guard
WITH count(*) AS _
UNWIND $values AS v
MATCH (n:Customer {id: v})
OPTIONAL MATCH (n)-[:HAS_TIMELINE]->(t:Timeline)
DETACH DELETE n, t
RETURN count(*) AS n
