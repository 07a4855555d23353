// name: feedback-matches
// Feedback search: the k distinct verbatims among these embeddings, each by its most recent interaction, of customers
// who did not refuse analytics.
// params:
//   hashes: list                 embedding hashes, best first
//   k: int                       how many texts
//   complaint: bool              the searched text reads as a complaint: leave praise out
// mode: read
// audience: internal

UNWIND range(0, size($hashes) - 1) AS rank WITH rank, $hashes[rank] AS h
MATCH (e:Embedding {hash: h})-[:EMBEDS]->(x:Interaction)<-[:PERFORMED]-(c:Customer)
WHERE x.text IS NOT NULL AND NOT 'analytics' IN coalesce(c.refused, [])
// include: feedback-distinct-texts
