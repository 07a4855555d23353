// name: personas-close
// Closes open model assignments at $at.
// params:
//   rows: list                   [{customer, persona}]
//   at: int                      epoch ms
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (:Customer {id: row.customer})-[s:SHOWS]->(:Persona {code: row.persona})
WHERE s.source STARTS WITH 'model:' AND s.until IS NULL SET s.until = $at
