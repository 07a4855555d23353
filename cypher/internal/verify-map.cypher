// name: verify-map
// dtc verify's scan: journey-map's numbers for every persona at once, over the customers of $ids that do not refuse
// analytics: per (persona, stage, touchpoint), the interactions made while the customer was the persona, distinct
// customers and journeys, the journeys whose last such interaction is there and that have no such purchase (drops),
// CSAT and CES sums and counts, negative experiences.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.id IN $ids AND NOT 'analytics' IN coalesce(c.refused, [])
MATCH (c)-[s:SHOWS]->(p:Persona)
WITH c, p.code AS persona, collect(s) AS spans
MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH persona, i, any(s IN spans WHERE
  // include: shows-persona-at(s=s, t=i.ts)
  ) AS asPersona
WHERE asPersona
WITH persona, i.journey_id AS journey, collect(i) AS steps
WITH persona, journey, steps, any(step IN steps WHERE step.type = 'purchase') AS converted,
     reduce(latest = null, step IN steps |
       CASE WHEN latest IS NULL OR step.ts > latest.ts OR (step.ts = latest.ts AND step.id > latest.id) THEN step
            ELSE latest END) AS lastStep
UNWIND steps AS i
WITH persona, journey, i, CASE WHEN i.id = lastStep.id AND NOT converted THEN 1 ELSE 0 END AS droppedHere
RETURN persona, i.stage AS stage, i.touchpoint AS touchpoint, count(i) AS interactions,
       count(DISTINCT i.customer_id) AS customers, count(DISTINCT journey) AS journeys, sum(droppedHere) AS drops,
       sum(i.csat) AS csat_sum, count(i.csat) AS csat_count, sum(i.ces) AS ces_sum, count(i.ces) AS ces_count,
       sum(CASE WHEN i.experience = 'negative' THEN 1 ELSE 0 END) AS negatives
