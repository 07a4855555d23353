// name: persona-summaries
// Every persona with the number of customers showing it at `at` (default now): SHOWS weight > 0 and
// since <= at < until (open bounds when absent). Customers who refused `analytics` (in Customer.refused) are not
// counted: docs/privacy.md.
// params:
//   at: datetime = null           the moment, epoch ms or RFC 3339; null = the current time
// mode: read

MATCH (p:Persona)
OPTIONAL MATCH (p)<-[s:SHOWS]-(c:Customer)
WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= coalesce($at, timestamp()))  // rule: shows-persona-at(s=s, t=coalesce($at, timestamp()))
  AND (s.until IS NULL OR coalesce($at, timestamp()) < s.until) AND NOT 'analytics' IN coalesce(c.refused, [])
RETURN p.code AS code, p.name AS name, p.description AS description, count(DISTINCT c) AS customers
ORDER BY code
