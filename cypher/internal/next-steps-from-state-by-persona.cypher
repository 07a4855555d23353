// name: next-steps-from-state-by-persona
// Where customers who showed one of $personas at the time went next from the state $state, each transition weighted by
// the persona weight.
// params:
//   customer: string             the customer predicted for
//   touchpoint: string           their latest touchpoint
//   state: string                their Markov state
//   at: int                      epoch ms
//   personas: list               the customer's persona codes now
// mode: read
// audience: internal

// include: next-steps-from-state

MATCH (c)-[s:SHOWS]->(p:Persona) WHERE p.code IN $personas AND
  // include: shows-persona-at(s=s, t=a.ts)
RETURN
  // include: markov-state(x=b)
  AS target, p.code AS persona, sum(s.weight) AS weight
