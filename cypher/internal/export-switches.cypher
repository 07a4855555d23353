// name: export-switches
// One customer's switches to competitors (the right of access).
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (:Customer {id: $id})-[s:SWITCHED_TO]->(k:Competitor)
RETURN k.code AS competitor, s.ts AS ts, s.event_id AS eventId ORDER BY s.ts
