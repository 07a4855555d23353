// name: consent-refresh-refused
// Rewrites Customer.refused of these customers from their consent history (for writers of Consent nodes that cannot do
// it in their own query, e.g. after moving consents between customers).
// params:
//   ids: list                    customer ids
// mode: write
// audience: internal

UNWIND $ids AS cid MATCH (c:Customer {id: cid})
// include: refresh-refused
RETURN count(*) AS n
