// name: enrich-link-personas
// Links embeddings to the Persona nodes whose text they embed.
// params:
//   rows: list                   [{hash, key}]
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (e:Embedding {hash: row.hash})
MATCH (n:Persona {code: row.key})
MERGE (e)-[:EMBEDS]->(n)
