// name: consent-set
// Records one consent decision (the same customer, purpose and ts make the same id, so writing it again replaces it)
// and rewrites the customer's refused list in the same atomic query. No row: no such customer.
// params:
//   customer_id: string
//   id: string                   graph.privacy.consent_id
//   purpose: string
//   granted: bool
//   ts: int                      epoch ms of the decision
//   source: string
//   actor: string
// mode: write
// audience: internal

MATCH (c:Customer {id: $customer_id}) SET c.record_hash = null  // a customer file re-ingested writes its consents again
MERGE (k:Consent {id: $id})
SET k.customer_id = $customer_id, k.purpose = $purpose, k.granted = $granted, k.ts = $ts, k.source = $source,
    k.actor = $actor
MERGE (c)-[:GAVE]->(k)
// include: refresh-refused
RETURN coalesce(c.refused, []) AS refused
