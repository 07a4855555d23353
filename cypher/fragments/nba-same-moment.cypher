// fragment: nba-same-moment
// Part of the next-best-action history: other customers (not refusing analytics) who had the same trigger with the
// same outcome up to $at, as rows (c, i).

MATCH (:TriggerEvent {code: $trigger})<-[t:TRIGGERED]-(i:Interaction)<-[:PERFORMED]-(c:Customer)
WHERE coalesce(t.experience, i.experience) = $experience AND i.ts <= $at AND c.id <> $customer
  AND NOT 'analytics' IN coalesce(c.refused, [])
