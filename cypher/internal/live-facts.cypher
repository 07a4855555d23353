// name: live-facts
// The stored live-state facts of the customers of $ids (docs/graph-model.md "Facts"): the customer's properties,
// its ACTIVE_AS and EXPOSED_TO relationships.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id IN $ids
OPTIONAL MATCH (c)-[a:ACTIVE_AS]->(p:Persona)
WITH c, collect(CASE WHEN p IS NOT NULL THEN [p.code, a.first_ts, a.first_event] END) AS active
OPTIONAL MATCH (c)-[x:EXPOSED_TO]->(f:FrictionPoint)
RETURN c.id AS customer, c.stage AS stage, c.stage_reason AS stageReason,
       [c.latest_trigger_ts, c.latest_trigger_event, c.latest_trigger, c.latest_outcome] AS latestTrigger, active,
       collect(CASE WHEN f IS NOT NULL THEN [x.persona, f.code, x.first_hit, x.first_event, x.switch_ts,
                                             x.switch_event, x.competitor] END) AS exposures
