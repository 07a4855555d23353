// name: next-steps-anywhere
// Where interactions lead in general: the state after every NEXT transition up to $at.
// params:
//   customer: string             the customer predicted for
//   at: int                      epoch ms
// mode: read
// audience: internal

MATCH (a:Interaction)-[:NEXT]->(b:Interaction) WHERE b.ts <= $at
MATCH (c:Customer)-[:PERFORMED]->(a) WHERE
  // include: trains-next-steps
RETURN
  // include: markov-state(x=b)
  AS target, count(*) AS n
