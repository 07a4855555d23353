// name: text-node-counts
// How many nodes of each kind that holds embeddable text the graph has.
// mode: read
// audience: internal

MATCH (n:Interaction) RETURN 'Interaction' AS label, count(n) AS n
UNION ALL MATCH (n:Persona) RETURN 'Persona' AS label, count(n) AS n
UNION ALL MATCH (n:Insight) RETURN 'Insight' AS label, count(n) AS n
UNION ALL MATCH (n:FrictionPoint) RETURN 'FrictionPoint' AS label, count(n) AS n
