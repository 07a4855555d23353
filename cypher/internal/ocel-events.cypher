// name: ocel-events
// The interactions of these customers for the OCEL export (no verbatims), in time order.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id
MATCH (c:Customer {id: id})-[:PERFORMED]->(i:Interaction)
RETURN c.id AS customer, i.id AS id, i.ts AS ts, i.touchpoint AS touchpoint, i.channel AS channel,
       i.journey_id AS journey, i.competitor AS competitor,
       i.type AS type, i.stage AS stage, i.outcome AS outcome, i.experience AS experience, i.csat AS csat,
       i.ces AS ces, i.nps AS nps, i.sentiment AS sentiment, i.value AS value, i.currency AS currency,
       i.trigger AS trigger, i.product AS product, i.frictions AS frictions
ORDER BY ts, id
