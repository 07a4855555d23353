// name: personas-persona-texts
// The embeddings ($model) of each persona's description and empathy-map insights.
// params:
//   model: string                embedding model
// mode: read
// audience: internal

MATCH (p:Persona)<-[:EMBEDS]-(e:Embedding {model: $model}) RETURN p.code AS persona, e.vector AS vector
UNION ALL
MATCH (p:Persona)-[:HAS_INSIGHT]->(:Insight)<-[:EMBEDS]-(e:Embedding {model: $model})
RETURN p.code AS persona, e.vector AS vector
