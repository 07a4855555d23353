// name: erase-embedding-links
// Unlinks these interactions from the embeddings that stay (shared with others).
// params:
//   events: list                 interaction ids
// mode: write
// audience: internal

UNWIND $events AS eid MATCH (:Interaction {id: eid})<-[r:EMBEDS]-(:Embedding) DELETE r RETURN count(*) AS n
