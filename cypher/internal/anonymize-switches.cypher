// name: anonymize-switches
// Points the person's switches at the interactions' new ids.
// params:
//   rows: list                   [{old, new}] event ids
//   ids: list                    the person's customer ids
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (c:Customer)-[s:SWITCHED_TO {event_id: row.old}]->() WHERE c.id IN $ids
SET s.event_id = row.new
