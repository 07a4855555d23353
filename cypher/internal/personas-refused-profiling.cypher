// name: personas-refused-profiling
// Which of these customers' latest profiling decision as of $at refuses it.
// params:
//   ids: list                    customer ids
//   at: int                      epoch ms
// mode: read
// audience: internal

// The customer is matched first (see personas-activities: else FalkorDB scans every consent per id).
UNWIND $ids AS id MATCH (c:Customer {id: id})
WITH c MATCH (c)-[:GAVE]->(k:Consent) WHERE k.purpose = 'profiling' AND
  // include: decided-by-at
// include: latest-decision
WITH c, granted WHERE granted = false RETURN c.id AS customer
