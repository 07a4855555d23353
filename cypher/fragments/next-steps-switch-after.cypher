// fragment: next-steps-switch-after
// Part of the next-step model: a journey's last step a in state $state at $touchpoint followed, within $window and by
// $at, by a switch recorded apart from the journey with nothing in between, as rows (c, a, target).

MATCH (:Touchpoint {code: $touchpoint})<-[:AT]-(a:Interaction)
WHERE
  // include: markov-state(x=a)
  = $state AND NOT (a)-[:NEXT]->()
MATCH (c:Customer)-[:PERFORMED]->(a) WHERE
  // include: trains-next-steps
MATCH (c)-[r:SWITCHED_TO]->(:Competitor) WHERE r.ts > a.ts AND r.ts <= a.ts + $window AND r.ts <= $at
WITH c, a, min(r.ts) AS left_at
MATCH (c)-[r:SWITCHED_TO]->(k:Competitor) WHERE r.ts = left_at
OPTIONAL MATCH (c)-[:PERFORMED]->(x:Interaction)
WHERE x.ts > a.ts AND x.ts < left_at AND coalesce(x.type, '') <> 'switch'
WITH c, a, k, count(x) AS between WHERE between = 0
WITH c, a, 'switch:' + min(k.code) AS target
