// name: nba-latest-trigger
// The customer's latest interaction up to $at with a trigger event, its experience outcome, CSAT and sentiment.
// params:
//   customer: string             customer id
//   at: int                      epoch ms
// mode: read
// audience: internal

MATCH (:Customer {id: $customer})-[:PERFORMED]->(i:Interaction)-[t:TRIGGERED]->(e:TriggerEvent)
WHERE i.ts <= $at
RETURN i.id AS interaction, i.ts AS ts, e.code AS trigger, e.name AS trigger_name,
       coalesce(t.experience, i.experience) AS experience, i.csat AS csat, i.sentiment AS sentiment
ORDER BY i.ts DESC, i.id DESC LIMIT 1
