// name: catalog-actions
// Upserts catalog actions by code. Actions with the trigger and outcome they answer and the consent purpose they need.
// params:
//   rows: list                   [{code, name, kind, trigger, when, description, purpose}]
// mode: write
// audience: internal

UNWIND $rows AS a
MERGE (x:Action {code: a.code})
SET x.name = a.name, x.kind = a.kind, x.trigger = a.trigger, x.when = a.when, x.description = a.description,
    x.purpose = a.purpose
WITH x, a
OPTIONAL MATCH (:TriggerEvent)-[old:SUGGESTS]->(x) DELETE old
WITH DISTINCT x, a
FOREACH (code IN CASE WHEN a.trigger IS NULL THEN [] ELSE [a.trigger] END |
  MERGE (t:TriggerEvent {code: code}) ON CREATE SET t.auto = true
  MERGE (t)-[:SUGGESTS {when: a.when}]->(x))
