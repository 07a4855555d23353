// name: nba-customer
// For next best actions: the purposes the customer refuses as of $at (the latest decision per purpose) and the
// personas the customer shows at $at. No row: no such customer.
// params:
//   customer: string             customer id
//   at: int                      epoch ms
// mode: read
// audience: internal

MATCH (c:Customer {id: $customer})
OPTIONAL MATCH (c)-[:GAVE]->(k:Consent) WHERE
  // include: decided-by-at
// include: latest-decision
WITH c, collect(CASE WHEN granted = false THEN purpose END) AS refused
OPTIONAL MATCH (c)-[s:SHOWS]->(p:Persona) WHERE
  // include: shows-persona-at(s=s, t=$at)
RETURN refused, collect(DISTINCT p.code) AS personas
