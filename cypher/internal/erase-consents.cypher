// name: erase-consents
// Deletes these consents with their relationships; how many.
// params:
//   values: list                 Consent.id values
// mode: write
// audience: internal

UNWIND $values AS v MATCH (n:Consent {id: v}) DETACH DELETE n RETURN count(*) AS n
