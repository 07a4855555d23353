// name: ocel-journeys
// The journeys of these customers for the OCEL export.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id
MATCH (c:Customer {id: id})-[:TOOK]->(j:Journey)
RETURN c.id AS customer, j.id AS id, j.start_ts AS start, j.end_ts AS end, j.size AS size, j.session_id AS session
ORDER BY id
