// fragment: next-steps-from-state
// Part of the next-step model: the NEXT transitions a -> b up to $at out of the state $state at touchpoint
// $touchpoint, with the customer c who made them.

MATCH (:Touchpoint {code: $touchpoint})<-[:AT]-(a:Interaction)-[:NEXT]->(b:Interaction)
WHERE b.ts <= $at AND
  // include: markov-state(x=a)
  = $state
MATCH (c:Customer)-[:PERFORMED]->(a) WHERE
  // include: trains-next-steps
