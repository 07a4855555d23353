// name: export-journeys
// One customer's journeys with their interactions' ids in journey order (the right of access).
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (:Customer {id: $id})-[:TOOK]->(j:Journey) OPTIONAL MATCH (j)-[r:INCLUDES]->(i:Interaction)
WITH j, r, i ORDER BY r.seq
RETURN properties(j) AS journey, collect(i.id) AS interactions ORDER BY journey.start_ts, journey.id
