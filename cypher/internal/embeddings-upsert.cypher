// name: embeddings-upsert
// Store computed text embeddings (one Embedding node per distinct text hash); used by `dtc enrich`.
// An existing hash keeps its vector: the same text under the same model is embedded once.
// params:
//   rows: list                 [{hash, model, vector}] with vector a list of floats
// mode: write
// audience: internal

UNWIND $rows AS row
MERGE (e:Embedding {hash: row.hash})
ON CREATE SET e.model = row.model, e.vector = row.vector
RETURN count(e) AS embeddings
