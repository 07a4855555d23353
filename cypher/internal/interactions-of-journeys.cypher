// name: interactions-of-journeys
// Each journey's interactions in journey order (INCLUDES.seq).
// params:
//   ids: list                    journey ids
// mode: read
// audience: internal

UNWIND $ids AS jid MATCH (:Journey {id: jid})-[r:INCLUDES]->(i:Interaction)
RETURN jid, i ORDER BY jid, r.seq, i.ts, i.id
