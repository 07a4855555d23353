// name: personas-customer-texts
// The embeddings ($model) of these customers' verbatims up to $at, by hash (embedding-vectors reads them).
// params:
//   ids: list                    customer ids
//   at: int                      epoch ms
//   model: string                embedding model
// mode: read
// audience: internal

// The customer is matched first (see personas-activities: else FalkorDB scans every interaction per id).
UNWIND $ids AS id MATCH (c:Customer {id: id})
WITH id, c MATCH (c)-[:PERFORMED]->(i:Interaction)<-[:EMBEDS]-(e:Embedding {model: $model}) WHERE i.ts <= $at
RETURN id AS customer, i.ts AS ts, e.hash AS hash
