// name: live-inputs
// The live state's inputs of some customers: whether they refuse analytics, their SHOWS spans and their interactions
// with the values the fold reads (graph.live_state.fold.StateEvent), in (ts, event_id) order. No row for a customer
// the graph lacks.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS cid
MATCH (c:Customer {id: cid})
OPTIONAL MATCH (c)-[s:SHOWS]->(p:Persona)
WITH c, collect(CASE WHEN p IS NOT NULL THEN [p.code, s.weight, s.since, s.until] END) AS spans
OPTIONAL MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH c, spans, i
ORDER BY i.ts, i.id
RETURN c.id AS id, 'analytics' IN coalesce(c.refused, []) AS refused, spans,
       collect(CASE WHEN i IS NOT NULL THEN [i.id, i.ts, i.type, i.touchpoint, i.channel, i.journey_id, i.stage,
                                             i.outcome, i.experience, i.csat, i.ces, i.nps, i.frictions,
                                             i.competitor, i.trigger] END) AS events
