// name: persona-customer-counts
// How many customers show each persona at $at; merged customers and analytics refusers are not counted (as in persona-
// summaries).
// params:
//   codes: list                  persona codes
//   at: int                      epoch ms
// mode: read
// audience: internal

UNWIND $codes AS code MATCH (p:Persona {code: code})
OPTIONAL MATCH (c:Customer)-[s:SHOWS]->(p) WHERE c.merged_into IS NULL AND
  // include: shows-persona-at(s=s, t=$at)
  AND NOT 'analytics' IN coalesce(c.refused, [])
RETURN code, count(DISTINCT c) AS customers
