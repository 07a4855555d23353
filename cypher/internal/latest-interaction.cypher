// name: latest-interaction
// The customer's latest interaction up to $at in (ts, id) order; its fields are null when the customer has none. No
// row: no such customer.
// params:
//   customer: string             customer id
//   at: int                      epoch ms
// mode: read
// audience: internal

MATCH (c:Customer {id: $customer})
OPTIONAL MATCH (c)-[:PERFORMED]->(i:Interaction) WHERE i.ts <= $at
WITH i ORDER BY i.ts DESC, i.id DESC LIMIT 1
RETURN i.touchpoint AS touchpoint, i.type AS type, i.competitor AS competitor, i.ts AS ts
