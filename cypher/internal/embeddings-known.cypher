// name: embeddings-known
// Which of these text hashes already have an embedding.
// params:
//   hashes: list                 text hashes
// mode: read
// audience: internal

UNWIND $hashes AS h MATCH (e:Embedding {hash: h}) RETURN e.hash AS hash
