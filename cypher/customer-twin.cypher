// name: customer-twin
// One customer's twin, without personal data: personas valid at `at` (default now) and the whole persona
// history, the declared relationship stage, journeys with their interactions in order, frictions hit (with how
// often), competitor switches, and consents (latest first). No row when the customer does not exist.
// params:
//   id: string                    customer id (required)
//   at: datetime = null           the moment "now" means, epoch ms or RFC 3339; null = the current time
// returns: personas.since: datetime, personas.until: datetime, personaHistory.since: datetime,
//   personaHistory.until: datetime, journeys.startedAt: datetime, journeys.endedAt: datetime,
//   journeys.interactions.at: datetime, switches.at: datetime, consents.at: datetime
// mode: read

// Each part is collected in its own subquery, so that no list rides along the rows of the next part (collected in one
// pipeline, 15,000 persona spans and 500 interactions took 16-28 s: the history was copied into each interaction row).
MATCH (c:Customer {id: $id})
// now once, before the spans: FalkorDB evaluates timestamp() per row, and a now per span split the twin in two
WITH c, coalesce($at, timestamp()) AS now
CALL {
  WITH c
  OPTIONAL MATCH (c)-[s:SHOWS]->(p:Persona)
  WITH s, p
  ORDER BY s.since
  RETURN collect(CASE WHEN p IS NOT NULL THEN {persona: p.code, name: p.name, weight: s.weight, since: s.since,
                                               until: s.until, source: s.source} END) AS history
}
WITH c, history,
     [a IN history WHERE a.weight > 0 AND (a.since IS NULL OR a.since <= now)  // rule: shows-persona-at(s=a, t=now)
                         AND (a.until IS NULL OR now < a.until)] AS personas
CALL {
  WITH c
  OPTIONAL MATCH (c)-[:TOOK]->(j:Journey)-[inc:INCLUDES]->(i:Interaction)
  WITH j, inc, i
  ORDER BY j.start_ts, j.id, inc.seq
  WITH j,
       collect(CASE WHEN i IS NOT NULL THEN {id: i.id, at: i.ts, type: i.type, channel: i.channel,
         touchpoint: i.touchpoint, stage: i.stage, outcome: i.outcome, experience: i.experience, csat: i.csat,
         ces: i.ces, nps: i.nps, sentiment: i.sentiment, text: i.text, value: i.value, currency: i.currency,
         frictions: coalesce(i.frictions, []), trigger: i.trigger, competitor: i.competitor, product: i.product} END)
         AS interactions
  ORDER BY j.start_ts, j.id
  RETURN collect(CASE WHEN j IS NOT NULL THEN {id: j.id, startedAt: j.start_ts, endedAt: j.end_ts,
                                               sessionId: j.session_id, interactions: interactions} END) AS journeys
}
CALL {
  WITH c
  OPTIONAL MATCH (c)-[:PERFORMED]->(:Interaction)-[:HIT]->(f:FrictionPoint)
  WITH f, count(f) AS hits
  ORDER BY hits DESC, f.code
  RETURN collect(CASE WHEN f IS NOT NULL THEN {friction: f.code, name: f.name, hits: hits} END) AS frictions
}
CALL {
  WITH c
  OPTIONAL MATCH (c)-[sw:SWITCHED_TO]->(k:Competitor)
  WITH sw, k
  ORDER BY sw.ts
  RETURN collect(CASE WHEN k IS NOT NULL THEN {competitor: k.code, name: k.name, at: sw.ts, eventId: sw.event_id} END)
         AS switches
}
CALL {
  WITH c
  OPTIONAL MATCH (c)-[:GAVE]->(g:Consent)
  WITH g
  ORDER BY g.ts DESC, g.purpose
  RETURN collect(CASE WHEN g IS NOT NULL THEN {purpose: g.purpose, granted: g.granted, at: g.ts} END) AS consents
}
RETURN c.id AS id, c.relationship_stage AS relationshipStage, c.attributes AS attributes,
       c.anonymized AS anonymized, personas, history AS personaHistory, journeys, frictions, switches, consents
