// name: catalog-frictions
// Upserts catalog frictions by code. Friction points with their touchpoint and owner (relationships that changed are
// replaced).
// params:
//   rows: list                   [{code, name, description, touchpoint, owner}]
// mode: write
// audience: internal

UNWIND $rows AS f
MERGE (x:FrictionPoint {code: f.code})
SET x.name = f.name, x.description = f.description, x.touchpoint = f.touchpoint, x.owner = f.owner, x.auto = false
WITH x, f
OPTIONAL MATCH (x)-[old:OCCURS_AT]->() DELETE old
WITH x, f
OPTIONAL MATCH (:Stakeholder)-[owns:OWNS]->(x) DELETE owns
WITH DISTINCT x, f
FOREACH (code IN CASE WHEN f.touchpoint IS NULL THEN [] ELSE [f.touchpoint] END |
  MERGE (t:Touchpoint {code: code}) ON CREATE SET t.auto = true MERGE (x)-[:OCCURS_AT]->(t))
FOREACH (code IN CASE WHEN f.owner IS NULL THEN [] ELSE [f.owner] END |
  MERGE (o:Stakeholder {code: code}) MERGE (o)-[:OWNS]->(x))
