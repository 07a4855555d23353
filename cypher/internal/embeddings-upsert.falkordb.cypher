// name: embeddings-upsert
// FalkorDB indexes only vecf32 values, so the list of floats is converted on the way in.

UNWIND $rows AS row
MERGE (e:Embedding {hash: row.hash})
ON CREATE SET e.model = row.model, e.vector = vecf32(row.vector)
RETURN count(e) AS embeddings
