// name: catalog-touchpoints
// Upserts catalog touchpoints by code. Touchpoints with their channel, stage and owner (relationships that changed are
// replaced).
// params:
//   rows: list                   [{code, name, channel, stage, owner}]
// mode: write
// audience: internal

UNWIND $rows AS t
MERGE (x:Touchpoint {code: t.code})
SET x.name = t.name, x.channel = t.channel, x.stage = t.stage, x.owner = t.owner, x.auto = false
WITH x, t
OPTIONAL MATCH (x)-[old:ON|IN_STAGE]->() DELETE old
WITH x, t
OPTIONAL MATCH (:Stakeholder)-[owns:OWNS]->(x) DELETE owns
WITH DISTINCT x, t
MERGE (c:Channel {code: t.channel}) ON CREATE SET c.auto = true
MERGE (x)-[:ON]->(c)
FOREACH (name IN CASE WHEN t.stage IS NULL THEN [] ELSE [t.stage] END |
  MERGE (s:Stage {name: name}) MERGE (x)-[:IN_STAGE]->(s))
FOREACH (code IN CASE WHEN t.owner IS NULL THEN [] ELSE [t.owner] END |
  MERGE (o:Stakeholder {code: code}) MERGE (o)-[:OWNS]->(x))
