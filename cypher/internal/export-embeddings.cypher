// name: export-embeddings
// The embeddings of one customer's verbatims (the right of access).
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (:Customer {id: $id})-[:PERFORMED]->(i:Interaction)<-[:EMBEDS]-(e:Embedding)
RETURN e.hash AS hash, e.model AS model, i.id AS interactionId, i.text AS text ORDER BY i.ts, i.id
