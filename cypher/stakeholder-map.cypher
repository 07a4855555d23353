// name: stakeholder-map
// Whom CX leaders must bring along: each stakeholder's support and influence, its quadrant (threshold 0.5:
// champion = support >= 0.5 and influence >= 0.5, supporter = support >= 0.5 only, gatekeeper = influence >= 0.5
// only, bystander = neither), the touchpoints it owns and the frictions at them (frictions it owns or that occur at
// its touchpoints). Each friction carries `switches`: the customers who switched to a competitor (SWITCHED_TO, one
// per 'switch' event) within windowDays after their first hit of it; a stakeholder's `switches` is the sum over
// its frictions. Ranked by switches desc, then influence desc, then code.
// params:
//   windowDays: int = 90          days after a customer's first hit of a friction in which a switch counts
// mode: read

MATCH (s:Stakeholder)
OPTIONAL MATCH (s)-[:OWNS]->(t:Touchpoint)
WITH s, t
ORDER BY t.code
WITH s, collect(t.code) AS touchpoints
OPTIONAL MATCH (s)-[:OWNS]->(owned:FrictionPoint)
WITH s, touchpoints, collect(owned.code) AS ownedFrictions
OPTIONAL MATCH (s)-[:OWNS]->(:Touchpoint)<-[:OCCURS_AT]-(located:FrictionPoint)
WITH s, touchpoints, ownedFrictions, collect(located.code) AS locatedFrictions
WITH s, touchpoints, ownedFrictions + locatedFrictions AS codes
UNWIND (CASE WHEN size(codes) = 0 THEN [null] ELSE codes END) AS code
WITH DISTINCT s, touchpoints, code
// switches each friction preceded: only switchers' interactions are read
OPTIONAL MATCH (c:Customer)-[:PERFORMED]->(i:Interaction)-[:HIT]->(:FrictionPoint {code: code})
WHERE (c)-[:SWITCHED_TO]->(:Competitor)
WITH s, touchpoints, code, c, min(i.ts) AS firstHit
OPTIONAL MATCH (c)-[sw:SWITCHED_TO]->(:Competitor)
WHERE sw.ts > firstHit AND sw.ts <= firstHit + $windowDays * 86400000
WITH s, touchpoints, code, count(DISTINCT CASE WHEN sw IS NOT NULL THEN c END) AS switches
ORDER BY switches DESC, code
WITH s, touchpoints,
     collect(CASE WHEN code IS NOT NULL THEN {friction: code, switches: switches} END) AS frictions,
     toInteger(sum(switches)) AS switches
RETURN s.code AS stakeholder, s.name AS name, s.support AS support, s.influence AS influence,
       CASE WHEN s.support >= 0.5 AND s.influence >= 0.5 THEN 'champion'
            WHEN s.support >= 0.5 THEN 'supporter'
            WHEN s.influence >= 0.5 THEN 'gatekeeper'
            ELSE 'bystander' END AS quadrant,
       touchpoints, [f IN frictions | f.friction] AS frictions, frictions AS frictionSwitches, switches
ORDER BY switches DESC, coalesce(influence, 0) DESC, stakeholder
