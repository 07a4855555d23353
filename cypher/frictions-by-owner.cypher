// name: frictions-by-owner
// Every friction point grouped by its owner (the stakeholder that OWNS it, else its `owner` property; null when
// nobody owns it): where it occurs, how many interactions hit it and how many distinct customers, most hit first.
// Interactions of customers who refused `analytics` (in Customer.refused) are not counted: docs/privacy.md.
// params:
// mode: read

MATCH (f:FrictionPoint)
OPTIONAL MATCH (s:Stakeholder)-[:OWNS]->(f)
OPTIONAL MATCH (f)-[:OCCURS_AT]->(t:Touchpoint)
OPTIONAL MATCH (c:Customer)-[:PERFORMED]->(i:Interaction)-[:HIT]->(f)
WHERE NOT 'analytics' IN coalesce(c.refused, [])
WITH coalesce(s.code, f.owner) AS owner, s.name AS ownerName, f, t, count(i) AS hits,
     count(DISTINCT i.customer_id) AS customers
RETURN owner, ownerName, f.code AS friction, f.name AS name, coalesce(t.code, f.touchpoint) AS touchpoint, hits,
       customers
ORDER BY owner, hits DESC, friction
