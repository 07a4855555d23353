// name: live-inputs
// The live state's inputs of some customers: whether they refuse analytics, their SHOWS spans and their interactions
// with the values the fold reads (graph.live_state.fold.StateEvent), in (ts, event_id) order. No row for a customer
// the graph lacks.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

// The spans are read by a pattern comprehension once per customer, after its interactions are collected: collected
// first, their list rode along every interaction's row and was part of the grouping key (15,000 spans and 500
// interactions took 2.5 s).
UNWIND $ids AS cid
MATCH (c:Customer {id: cid})
OPTIONAL MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH c, i
ORDER BY i.ts, i.id
WITH c, collect(CASE WHEN i IS NOT NULL THEN [i.id, i.ts, i.type, i.touchpoint, i.channel, i.journey_id, i.stage,
                                              i.outcome, i.experience, i.csat, i.ces, i.nps, i.frictions,
                                              i.competitor, i.trigger] END) AS events
RETURN c.id AS id, 'analytics' IN coalesce(c.refused, []) AS refused,
       [(c)-[s:SHOWS]->(p:Persona) | [p.code, s.weight, s.since, s.until]] AS spans, events
