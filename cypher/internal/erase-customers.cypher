// name: erase-customers
// Deletes these customers with their relationships; how many.
// params:
//   values: list                 Customer.id values
// mode: write
// audience: internal

UNWIND $values AS v MATCH (n:Customer {id: v}) DETACH DELETE n RETURN count(*) AS n
