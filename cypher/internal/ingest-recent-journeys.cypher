// name: ingest-recent-journeys
// The session-less journeys (and interactions without a journey) of each customer from a moment on: what a late event
// can touch.
// params:
//   rows: list                   [{cid, from_ts}]
// mode: read
// audience: internal

UNWIND $rows AS r
MATCH (i:Interaction {customer_id: r.cid}) WHERE i.ts >= r.from_ts AND i.session_id IS NULL
RETURN DISTINCT r.cid AS cid, i.journey_id AS jid, CASE WHEN i.journey_id IS NULL THEN i.id END AS loose_id,
       CASE WHEN i.journey_id IS NULL THEN i.ts END AS loose_ts
