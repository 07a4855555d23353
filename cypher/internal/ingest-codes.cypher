// name: ingest-codes
// The catalog codes a batch of events refers to and the graph lacks, created on the fly with auto = true (a touchpoint
// is linked to its channel and stage, a friction to its touchpoint).
// params:
//   channels: list               channel codes
//   stages: list                 [{name, order}] every journey stage
//   touchpoints: list            [{code, channel, stage}]
//   frictions: list              [{code, touchpoint}]
//   triggers: list               trigger event codes
//   competitors: list            competitor codes
//   products: list               product codes
// mode: write
// audience: internal

UNWIND $channels AS code MERGE (c:Channel {code: code}) ON CREATE SET c.auto = true
WITH count(*) AS _
UNWIND $stages AS s MERGE (st:Stage {name: s.name}) ON CREATE SET st.order = s.order
WITH count(*) AS _
UNWIND $touchpoints AS tp
MERGE (t:Touchpoint {code: tp.code})
  ON CREATE SET t.auto = true, t.channel = tp.channel, t.stage = tp.stage
WITH t, tp WHERE t.auto = true AND NOT (t)-[:ON]->()
MATCH (c:Channel {code: tp.channel})
MERGE (t)-[:ON]->(c)
FOREACH (s IN CASE WHEN tp.stage IS NULL THEN [] ELSE [tp.stage] END |
  MERGE (st:Stage {name: s}) MERGE (t)-[:IN_STAGE]->(st))
WITH count(*) AS _
UNWIND $frictions AS f
MERGE (x:FrictionPoint {code: f.code}) ON CREATE SET x.auto = true, x.touchpoint = f.touchpoint
WITH x, f WHERE x.auto = true AND NOT (x)-[:OCCURS_AT]->()
MATCH (t:Touchpoint {code: f.touchpoint})
MERGE (x)-[:OCCURS_AT]->(t)
WITH count(*) AS _
UNWIND $triggers AS code MERGE (x:TriggerEvent {code: code}) ON CREATE SET x.auto = true
WITH count(*) AS _
UNWIND $competitors AS code MERGE (x:Competitor {code: code}) ON CREATE SET x.auto = true
WITH count(*) AS _
UNWIND $products AS code MERGE (x:Product {code: code}) ON CREATE SET x.auto = true
RETURN count(*) AS n
