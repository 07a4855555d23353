// name: customers-of-persona
// The customers showing a persona at `at` (default now): SHOWS weight > 0 and since <= at < until, with the
// assignment's weight, bounds and source, strongest first. No personal data.
// params:
//   persona: Persona.code         persona code (required)
//   at: datetime = null           the moment, epoch ms or RFC 3339; null = the current time
//   limit: int = 100              at most this many customers
// returns: since: datetime, until: datetime
// mode: read

MATCH (:Persona {code: $persona})<-[s:SHOWS]-(c:Customer)
WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= coalesce($at, timestamp()))  // rule: shows-persona-at(s=s, t=coalesce($at, timestamp()))
  AND (s.until IS NULL OR coalesce($at, timestamp()) < s.until)
RETURN c.id AS customer, s.weight AS weight, s.since AS since, s.until AS until, s.source AS source,
       c.relationship_stage AS relationshipStage
ORDER BY weight DESC, customer
LIMIT $limit
