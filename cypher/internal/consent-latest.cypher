// name: consent-latest
// Each customer's latest decision per purpose as of $at (null: all decisions count), by the one rule of the latest-
// decision fragment.
// params:
//   ids: list                    customer ids
//   at: int = null               epoch ms
// mode: read
// audience: internal

// The customer is matched first (see personas-activities: else FalkorDB scans every consent per id).
UNWIND $ids AS cid MATCH (c:Customer {id: cid})
WITH c MATCH (c)-[:GAVE]->(k:Consent) WHERE
  // include: decided-by-at
// include: latest-decision
RETURN c.id AS id, purpose, granted
