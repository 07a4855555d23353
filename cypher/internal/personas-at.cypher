// name: personas-at
// The personas one customer shows at $at with the largest weight of each.
// params:
//   customer: string             customer id
//   at: int                      epoch ms
// mode: read
// audience: internal

MATCH (:Customer {id: $customer})-[s:SHOWS]->(p:Persona) WHERE
  // include: shows-persona-at(s=s, t=$at)
RETURN p.code AS persona, max(s.weight) AS weight
