// name: feedback-matches-of-persona
// feedback-matches among verbatims given while the customer showed $persona.
// params:
//   hashes: list                 embedding hashes, best first
//   k: int                       how many texts
//   complaint: bool              the searched text reads as a complaint: leave praise out
//   persona: string              persona code
// mode: read
// audience: internal

UNWIND range(0, size($hashes) - 1) AS rank WITH rank, $hashes[rank] AS h
MATCH (e:Embedding {hash: h})-[:EMBEDS]->(x:Interaction)<-[:PERFORMED]-(c:Customer)-[s:SHOWS]->(:Persona {code: $persona})
WHERE x.text IS NOT NULL AND NOT 'analytics' IN coalesce(c.refused, []) AND
  // include: shows-persona-at(s=s, t=x.ts)
WITH DISTINCT rank, h, x
// include: feedback-distinct-texts
