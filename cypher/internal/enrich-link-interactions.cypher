// name: enrich-link-interactions
// Links embeddings to the Interaction nodes whose text they embed.
// params:
//   rows: list                   [{hash, key}]
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (e:Embedding {hash: row.hash})
MATCH (n:Interaction {id: row.key})
MERGE (e)-[:EMBEDS]->(n)
