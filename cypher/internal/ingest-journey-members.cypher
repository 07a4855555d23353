// name: ingest-journey-members
// The interactions of these journeys as linking points.
// params:
//   ids: list                    journey ids
// mode: read
// audience: internal

UNWIND $ids AS jid MATCH (:Journey {id: jid})-[:INCLUDES]->(i:Interaction)
RETURN jid, i.id AS id, i.ts AS ts, i.session_id AS sid
