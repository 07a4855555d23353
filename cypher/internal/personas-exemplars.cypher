// name: personas-exemplars
// The declared (or rule-assigned) persona assignments valid at $at of the customers in one window of ids: the
// exemplars behind each persona's behaviour prototype.
// params:
//   at: int                      epoch ms
//   from: int                    the first internal node id of the window read (graph.paging)
//   to: int                      its end (not included)
// mode: read
// audience: internal

MATCH (c:Customer)-[s:SHOWS]->(p:Persona) WHERE id(c) >= $from AND id(c) < $to AND
  // include: shows-persona-at(s=s, t=$at)
  AND (coalesce(s.source, 'declared') = 'declared' OR s.source STARTS WITH 'rule:')
RETURN c.id AS customer, p.code AS persona, max(s.weight) AS weight
