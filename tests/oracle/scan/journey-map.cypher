// frozen copy (main 933468d, after the one-home issue), run by tests/oracle/scan.py
// name: journey-map
// A persona's journey map: per stage (funnel order) and per touchpoint, the interactions its customers had while
// they were the persona (SHOWS weight > 0, since <= ts < until) in the period, the distinct customers, average
// CSAT and CES, the share of negative experiences, the three most frequent frictions, and drop-off: among the
// journeys with an interaction there, the share whose last interaction (in the persona and period) is there and
// that did not convert (no 'purchase' interaction in the persona and period). Stage = the event's stage, else the
// touchpoint's. Customers who refused `analytics` (in Customer.refused) are left out: docs/privacy.md.
// params:
//   persona: Persona.code         persona code (required)
//   since: datetime = null        start of the period (inclusive), epoch ms or RFC 3339; null = open
//   until: datetime = null        end of the period (exclusive), epoch ms or RFC 3339; null = open
// mode: read

MATCH (:Persona {code: $persona})<-[s:SHOWS]-(c:Customer)
WITH c, collect(s) AS spans
WHERE NOT 'analytics' IN coalesce(c.refused, [])  // here, not above: there FalkorDB would scan every Customer
MATCH (c)-[:PERFORMED]->(i:Interaction)
WHERE ($since IS NULL OR i.ts >= $since) AND ($until IS NULL OR i.ts < $until)
// the persona test is projected first: FalkorDB 4.16 drops rows when any() over `spans` sits in MATCH ... WHERE
WITH i, any(s IN spans WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= i.ts)  // rule: shows-persona-at(s=s, t=i.ts)
                            AND (s.until IS NULL OR i.ts < s.until)) AS asPersona
WHERE asPersona
// each journey's last step and whether it converted
WITH i.journey_id AS journey, collect(i) AS steps
WITH journey, steps, any(step IN steps WHERE step.type = 'purchase') AS converted,
     reduce(latest = null, step IN steps |
       CASE WHEN latest IS NULL OR step.ts > latest.ts OR (step.ts = latest.ts AND step.id > latest.id) THEN step
            ELSE latest END)
       AS lastStep
UNWIND steps AS i
WITH i, journey, CASE WHEN i.id = lastStep.id AND NOT converted THEN 1 ELSE 0 END AS droppedHere
WITH i.stage AS stage, i.touchpoint AS touchpoint,
     count(i) AS interactions,
     count(DISTINCT i.customer_id) AS customers,
     avg(i.csat) AS avgCsat,
     avg(i.ces) AS avgCes,
     toFloat(sum(CASE WHEN i.experience = 'negative' THEN 1 ELSE 0 END)) / count(i) AS negativeShare,
     toFloat(sum(droppedHere)) / count(DISTINCT journey) AS dropOff,
     collect(i.frictions) AS frictionLists
// the most frequent frictions at each touchpoint
WITH stage, touchpoint, interactions, customers, avgCsat, avgCes, negativeShare, dropOff,
     reduce(flat = [], fs IN frictionLists | flat + fs) AS hits
UNWIND (CASE WHEN size(hits) = 0 THEN [null] ELSE hits END) AS friction
WITH stage, touchpoint, interactions, customers, avgCsat, avgCes, negativeShare, dropOff, friction,
     count(friction) AS times
ORDER BY times DESC, friction
WITH stage, touchpoint, interactions, customers, avgCsat, avgCes, negativeShare, dropOff,
     collect(CASE WHEN friction IS NOT NULL THEN {friction: friction, count: times} END)[0..3] AS topFrictions
ORDER BY interactions DESC, touchpoint
WITH stage, collect({touchpoint: touchpoint, interactions: interactions, customers: customers, avgCsat: avgCsat,
                     avgCes: avgCes, negativeShare: negativeShare, topFrictions: topFrictions, dropOff: dropOff})
       AS touchpoints
OPTIONAL MATCH (st:Stage {name: stage})
RETURN stage, touchpoints
ORDER BY coalesce(st.order, 99), stage
