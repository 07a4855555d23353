// name: catalog-personas
// Upserts catalog personas by code. Personas with their empathy-map insights (replaced as a whole).
// params:
//   rows: list                   [{code, name, description, goals, pains, insights: [{id, quadrant, text}]}]
// mode: write
// audience: internal

UNWIND $rows AS p
MERGE (x:Persona {code: p.code})
SET x.name = p.name, x.description = p.description, x.goals = p.goals, x.pains = p.pains, x.auto = false
WITH x, p
OPTIONAL MATCH (x)-[:HAS_INSIGHT]->(old:Insight) DETACH DELETE old
WITH DISTINCT x, p
UNWIND p.insights AS i
MERGE (n:Insight {id: i.id}) SET n.persona = p.code, n.quadrant = i.quadrant, n.text = i.text
MERGE (x)-[:HAS_INSIGHT]->(n)
