// name: catalog-triggers
// Upserts catalog triggers by code. Trigger events.
// params:
//   rows: list                   [{code, name, description}]
// mode: write
// audience: internal

UNWIND $rows AS t MERGE (x:TriggerEvent {code: t.code})
SET x.name = t.name, x.description = t.description, x.auto = false
