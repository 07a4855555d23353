// name: embedding-vectors
// The vectors of these embeddings.
// params:
//   hashes: list                 embedding hashes
// mode: read
// audience: internal

UNWIND $hashes AS h MATCH (e:Embedding {hash: h}) RETURN e.hash AS hash, e.vector AS vector
