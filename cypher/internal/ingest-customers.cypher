// name: ingest-customers
// These customers as the planning of a batch needs them: whom each was merged into, and the kinds of its identities.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS cid MATCH (c:Customer {id: cid})
OPTIONAL MATCH (c)<-[:IDENTIFIES]-(x:Identity)
RETURN cid, c.merged_into AS merged_into, collect(x.kind) AS kinds
