// name: stakeholder-map
// Whom CX leaders must bring along: each stakeholder's support and influence, its quadrant (threshold 0.5:
// champion = support >= 0.5 and influence >= 0.5, supporter = support >= 0.5 only, gatekeeper = influence >= 0.5
// only, bystander = neither), the touchpoints it owns and the frictions at them (frictions it owns or that occur at
// its touchpoints). Each friction carries `switches`: the customers who switched to a competitor (SWITCHED_TO, one
// per 'switch' event) within windowDays after their first hit of it; a stakeholder's `switches` is the sum over
// its frictions. Customers who refused `analytics` (in Customer.refused) are not counted: docs/privacy.md.
// Ranked by switches desc, then influence desc, then code.
// params:
//   windowDays: int = 90          days after a customer's first hit of a friction in which a switch counts
// mode: read

// switches each friction preceded, counted once for all stakeholders; only switchers' interactions are read
OPTIONAL MATCH (switcher:Customer)-[:SWITCHED_TO]->(:Competitor)
WHERE NOT 'analytics' IN coalesce(switcher.refused, [])
WITH DISTINCT switcher
OPTIONAL MATCH (switcher)-[:PERFORMED]->(i:Interaction)-[:HIT]->(f:FrictionPoint)
WITH switcher, f, min(i.ts) AS firstHit
OPTIONAL MATCH (switcher)-[sw:SWITCHED_TO]->(:Competitor)
WHERE sw.ts > firstHit AND sw.ts <= firstHit + $windowDays * 86400000
WITH f, count(DISTINCT CASE WHEN sw IS NOT NULL THEN switcher END) AS switches
WITH collect(CASE WHEN f IS NOT NULL THEN [f.code, switches] END) AS switchesByFriction
MATCH (s:Stakeholder)
OPTIONAL MATCH (s)-[:OWNS]->(t:Touchpoint)
WITH switchesByFriction, s, t
ORDER BY t.code
WITH switchesByFriction, s, collect(t.code) AS touchpoints
OPTIONAL MATCH (s)-[:OWNS]->(owned:FrictionPoint)
WITH switchesByFriction, s, touchpoints, collect(owned.code) AS ownedFrictions
OPTIONAL MATCH (s)-[:OWNS]->(:Touchpoint)<-[:OCCURS_AT]-(located:FrictionPoint)
WITH switchesByFriction, s, touchpoints, ownedFrictions, collect(located.code) AS locatedFrictions
WITH switchesByFriction, s, touchpoints, ownedFrictions + locatedFrictions AS codes
UNWIND (CASE WHEN size(codes) = 0 THEN [null] ELSE codes END) AS code
WITH DISTINCT switchesByFriction, s, touchpoints, code
WITH s, touchpoints, code,
     reduce(n = 0, pair IN switchesByFriction | CASE WHEN pair[0] = code THEN pair[1] ELSE n END) AS switches
ORDER BY switches DESC, code
WITH s, touchpoints,
     collect(CASE WHEN code IS NOT NULL THEN {friction: code, switches: switches} END) AS frictions,
     sum(CASE WHEN code IS NOT NULL THEN switches ELSE 0 END) AS switches
RETURN s.code AS stakeholder, s.name AS name, s.support AS support, s.influence AS influence,
       CASE WHEN s.support >= 0.5 AND s.influence >= 0.5 THEN 'champion'
            WHEN s.support >= 0.5 THEN 'supporter'
            WHEN s.influence >= 0.5 THEN 'gatekeeper'
            ELSE 'bystander' END AS quadrant,
       touchpoints, [f IN frictions | f.friction] AS frictions, frictions AS frictionSwitches, toInteger(switches) AS switches
ORDER BY switches DESC, coalesce(influence, 0) DESC, stakeholder
