// name: enrich-link-frictions
// Links embeddings to the FrictionPoint nodes whose text they embed.
// params:
//   rows: list                   [{hash, key}]
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (e:Embedding {hash: row.hash})
MATCH (n:FrictionPoint {code: row.key})
MERGE (e)-[:EMBEDS]->(n)
