// name: embedding-count
// How many embeddings the graph holds.
// mode: read
// audience: internal

MATCH (e:Embedding) RETURN count(e) AS n
