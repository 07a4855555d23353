// name: consent-close-model-personas
// Closes the customer's open model persona assignments at $ts (after a profiling refusal).
// params:
//   customer_id: string
//   ts: int                      epoch ms
// mode: write
// audience: internal

MATCH (c:Customer {id: $customer_id})-[s:SHOWS]->(:Persona)
WHERE s.source STARTS WITH 'model:' AND (s.until IS NULL OR s.until > $ts)
SET s.until = $ts RETURN count(s) AS n
