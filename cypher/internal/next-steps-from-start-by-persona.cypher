// name: next-steps-from-start-by-persona
// How the journeys of customers who showed one of $personas then begin, weighted by the persona weight.
// params:
//   customer: string             the customer predicted for
//   at: int                      epoch ms
//   personas: list               the customer's persona codes now
// mode: read
// audience: internal

// include: next-steps-from-start

MATCH (c)-[s:SHOWS]->(p:Persona) WHERE p.code IN $personas AND
  // include: shows-persona-at(s=s, t=b.ts)
RETURN
  // include: markov-state(x=b)
  AS target, p.code AS persona, sum(s.weight) AS weight
