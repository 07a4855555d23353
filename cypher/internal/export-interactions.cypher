// name: export-interactions
// One customer's interactions with every property, in time order (the right of access).
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (:Customer {id: $id})-[:PERFORMED]->(i:Interaction) RETURN properties(i) AS i ORDER BY i.ts, i.id
