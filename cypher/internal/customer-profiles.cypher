// name: customer-profiles
// What a dated profile update (a Segment identify) merges into: each customer's attributes (JSON text), when each
// trait was set (JSON text), and its properties (personal data among them, read only to compare values set at the
// same time; never returned further).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS cid MATCH (c:Customer {id: cid})
RETURN cid, c.attributes AS attributes, c.trait_ts AS trait_ts, properties(c) AS properties
