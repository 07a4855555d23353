// name: switches-of-customers
// Each customer's switches to competitors, in time order.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (:Customer {id: id})-[s:SWITCHED_TO]->(k:Competitor)
RETURN id, k.code AS competitor, s.ts AS ts, s.event_id AS event_id ORDER BY id, ts, event_id
