// name: next-steps-switch-after-by-persona
// Switches that followed a journey ending in the state $state, of customers who showed one of $personas then, weighted
// by the persona weight.
// params:
//   customer: string             the customer predicted for
//   touchpoint: string           their latest touchpoint
//   state: string                their Markov state
//   at: int                      epoch ms
//   window: int                  ms after the last step in which a switch counts
//   personas: list               the customer's persona codes now
// mode: read
// audience: internal

// include: next-steps-switch-after

MATCH (c)-[s:SHOWS]->(p:Persona) WHERE p.code IN $personas AND
  // include: shows-persona-at(s=s, t=a.ts)
RETURN target, p.code AS persona, sum(s.weight) AS weight
