// name: personas-exemplars
// The declared (or rule-assigned) persona assignments valid at $at: the exemplars behind each persona's behaviour
// prototype.
// params:
//   at: int                      epoch ms
// mode: read
// audience: internal

MATCH (c:Customer)-[s:SHOWS]->(p:Persona) WHERE
  // include: shows-persona-at(s=s, t=$at)
  AND (coalesce(s.source, 'declared') = 'declared' OR s.source STARTS WITH 'rule:')
RETURN c.id AS customer, p.code AS persona, max(s.weight) AS weight
