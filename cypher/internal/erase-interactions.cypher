// name: erase-interactions
// Deletes these interactions with their relationships; how many.
// params:
//   values: list                 Interaction.id values
// mode: write
// audience: internal

UNWIND $values AS v MATCH (n:Interaction {id: v}) DETACH DELETE n RETURN count(*) AS n
