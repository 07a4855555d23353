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

MATCH (c:Customer {id: $id})
// now once, before the spans: FalkorDB evaluates timestamp() per row, and a now per span split the twin in two
WITH c, coalesce($at, timestamp()) AS now
OPTIONAL MATCH (c)-[s:SHOWS]->(p:Persona)
WITH c, now, s, p
ORDER BY s.since
WITH c, now, collect(CASE WHEN p IS NOT NULL THEN {persona: p.code, name: p.name, weight: s.weight,
                                                   since: s.since, until: s.until, source: s.source} END) AS history
WITH c, history,
     [a IN history WHERE a.weight > 0 AND (a.since IS NULL OR a.since <= now)  // rule: shows-persona-at(s=a, t=now)
                         AND (a.until IS NULL OR now < a.until)] AS personas
OPTIONAL MATCH (c)-[:TOOK]->(j:Journey)-[inc:INCLUDES]->(i:Interaction)
WITH c, history, personas, j, inc, i
ORDER BY j.start_ts, j.id, inc.seq
WITH c, history, personas, j,
     collect(CASE WHEN i IS NOT NULL THEN {id: i.id, at: i.ts, type: i.type, channel: i.channel,
       touchpoint: i.touchpoint, stage: i.stage, outcome: i.outcome, experience: i.experience, csat: i.csat,
       ces: i.ces, nps: i.nps, sentiment: i.sentiment, text: i.text, value: i.value, currency: i.currency,
       frictions: coalesce(i.frictions, []), trigger: i.trigger, competitor: i.competitor, product: i.product} END)
       AS interactions
ORDER BY j.start_ts, j.id
WITH c, history, personas,
     collect(CASE WHEN j IS NOT NULL THEN {id: j.id, startedAt: j.start_ts, endedAt: j.end_ts, sessionId: j.session_id,
                                           interactions: interactions} END) AS journeys
OPTIONAL MATCH (c)-[:PERFORMED]->(:Interaction)-[:HIT]->(f:FrictionPoint)
WITH c, history, personas, journeys, f, count(f) AS hits
ORDER BY hits DESC, f.code
WITH c, history, personas, journeys,
     collect(CASE WHEN f IS NOT NULL THEN {friction: f.code, name: f.name, hits: hits} END) AS frictions
OPTIONAL MATCH (c)-[sw:SWITCHED_TO]->(k:Competitor)
WITH c, history, personas, journeys, frictions, sw, k
ORDER BY sw.ts
WITH c, history, personas, journeys, frictions,
     collect(CASE WHEN k IS NOT NULL THEN {competitor: k.code, name: k.name, at: sw.ts, eventId: sw.event_id} END)
       AS switches
OPTIONAL MATCH (c)-[:GAVE]->(g:Consent)
WITH c, history, personas, journeys, frictions, switches, g
ORDER BY g.ts DESC, g.purpose
WITH c, history, personas, journeys, frictions, switches,
     collect(CASE WHEN g IS NOT NULL THEN {purpose: g.purpose, granted: g.granted, at: g.ts} END) AS consents
RETURN c.id AS id, c.relationship_stage AS relationshipStage, c.attributes AS attributes,
       c.anonymized AS anonymized, personas, history AS personaHistory, journeys, frictions, switches, consents
