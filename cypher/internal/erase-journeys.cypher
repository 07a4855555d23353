// name: erase-journeys
// Deletes these journeys with their relationships; how many.
// params:
//   values: list                 Journey.id values
// mode: write
// audience: internal

UNWIND $values AS v MATCH (n:Journey {id: v}) DETACH DELETE n RETURN count(*) AS n
