// name: personas-customer-texts
// The embeddings ($model) of these customers' verbatims up to $at.
// params:
//   ids: list                    customer ids
//   at: int                      epoch ms
//   model: string                embedding model
// mode: read
// audience: internal

UNWIND $ids AS id
MATCH (:Customer {id: id})-[:PERFORMED]->(i:Interaction)<-[:EMBEDS]-(e:Embedding {model: $model}) WHERE i.ts <= $at
RETURN id AS customer, i.ts AS ts, e.vector AS vector
