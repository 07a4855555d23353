// name: ingest-journey-tails
// The start, size and last interaction of these journeys (the tails linking extends).
// params:
//   ids: list                    journey ids
// mode: read
// audience: internal

UNWIND $ids AS jid
MATCH (j:Journey {id: jid})-[r:INCLUDES]->(last:Interaction) WHERE r.seq = j.size
RETURN jid, j.start_ts AS start_ts, j.size AS size, last.id AS last_id, last.ts AS last_ts
