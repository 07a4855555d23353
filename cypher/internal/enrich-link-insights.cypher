// name: enrich-link-insights
// Links embeddings to the Insight nodes whose text they embed.
// params:
//   rows: list                   [{hash, key}]
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (e:Embedding {hash: row.hash})
MATCH (n:Insight {id: row.key})
MERGE (e)-[:EMBEDS]->(n)
