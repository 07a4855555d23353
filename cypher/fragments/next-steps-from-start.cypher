// fragment: next-steps-from-start
// Part of the next-step model: the first interaction b of each journey up to $at (no NEXT leads to it), with the
// customer c who made it.

MATCH (b:Interaction) WHERE b.ts <= $at AND NOT ()-[:NEXT]->(b)
MATCH (c:Customer)-[:PERFORMED]->(b) WHERE
  // include: trains-next-steps
