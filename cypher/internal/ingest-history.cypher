// name: ingest-history
// Every interaction of these customers as a linking point, with its current journey.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS cid MATCH (i:Interaction {customer_id: cid})
RETURN cid, i.id AS id, i.ts AS ts, i.session_id AS sid, i.journey_id AS jid
